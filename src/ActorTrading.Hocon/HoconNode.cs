namespace ActorTrading.Hocon;

// The parser's tree before substitutions are resolved. The resolver turns it into HoconValues; a node may resolve to
// nothing (an optional substitution that found nothing), which leaves the key unset.
internal abstract class HoconNode(HoconOrigin origin)
{
    public HoconOrigin Origin { get; } = origin;
}

internal sealed class ObjectNode(HoconOrigin origin) : HoconNode(origin)
{
    // Ordered: keys keep the place they were first written in.
    public List<KeyValuePair<string, HoconNode>> Fields { get; } = [];

    public HoconNode? Find(string key)
    {
        foreach (var field in Fields)
        {
            if (field.Key == key)
            {
                return field.Value;
            }
        }

        return null;
    }

    public void Put(string key, HoconNode value)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (Fields[i].Key == key)
            {
                Fields[i] = new(key, value);
                return;
            }
        }

        Fields.Add(new(key, value));
    }

    // The spec's duplicate-key rule: two objects merge, the later key wins otherwise. A later value that may turn out to be
    // an object, or nothing (it holds a substitution), is decided when it is resolved.
    public void Assign(string key, HoconNode value)
    {
        var earlier = Find(key);
        if (earlier is null)
        {
            Put(key, value);
        }
        else if (earlier is ObjectNode earlierObject && value is ObjectNode laterObject)
        {
            foreach (var field in laterObject.Fields)
            {
                earlierObject.Assign(field.Key, field.Value);
            }
        }
        else if (value is ObjectNode or ArrayNode or ScalarNode)
        {
            Put(key, value);
        }
        else
        {
            Put(key, new MergeNode(earlier, value));
        }
    }
}

internal sealed class ArrayNode(HoconOrigin origin) : HoconNode(origin)
{
    public List<HoconNode> Items { get; } = [];
}

internal sealed class ScalarNode(HoconScalarKind kind, string text, HoconOrigin origin, bool isWhitespace = false) : HoconNode(origin)
{
    public HoconScalarKind Kind { get; } = kind;

    public string Text { get; } = text;

    // Whitespace between two parts of a concatenation: kept between strings, dropped between objects or arrays.
    public bool IsWhitespace { get; } = isWhitespace;
}

// ${path} or ${?path}. Path is where to look (prefixed by the place a file was included at); Fallback is the path as written
// (looked up if Path is not found, and the environment variable's name); EnvironmentOnly marks a reference to the key's own
// earlier value when there was none.
internal sealed class SubstitutionNode(IReadOnlyList<string> path, IReadOnlyList<string> fallback, bool optional, HoconOrigin origin, bool environmentOnly = false)
    : HoconNode(origin)
{
    public IReadOnlyList<string> Path { get; } = path;

    public IReadOnlyList<string> Fallback { get; } = fallback;

    public bool Optional { get; } = optional;

    public bool EnvironmentOnly { get; } = environmentOnly;

    public string Written => "${" + (Optional ? "?" : "") + HoconPath.Render(Fallback) + "}";
}

internal sealed class ConcatenationNode(List<HoconNode> parts, HoconOrigin origin) : HoconNode(origin)
{
    public List<HoconNode> Parts { get; } = parts;
}

// A key set twice where the later value holds a substitution: the later wins, merges with an earlier object, or, resolving
// to nothing (${?UNSET}), leaves the earlier value in place.
internal sealed class MergeNode(HoconNode earlier, HoconNode later) : HoconNode(later.Origin)
{
    public HoconNode Earlier { get; } = earlier;

    public HoconNode Later { get; } = later;
}
