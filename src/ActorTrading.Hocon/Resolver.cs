using System.Text;

namespace ActorTrading.Hocon;

// Resolves the parsed tree once, against its own root: a substitution looks its path up, resolving only the values on the
// way (so a key may refer to a sibling in the same object), and a value met again while it is being resolved is a cycle.
internal sealed class Resolver(ObjectNode root, Func<string, string?> environment)
{
    private readonly Dictionary<HoconNode, HoconValue?> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconNode> _resolving = new(ReferenceEqualityComparer.Instance);

    public HoconObject ResolveRoot() => (HoconObject)(Resolve(root) ?? throw new InvalidOperationException("an object resolves to an object"));

    private HoconValue? Resolve(HoconNode node)
    {
        if (_resolved.TryGetValue(node, out var done))
        {
            return done;
        }

        if (!_resolving.Add(node))
        {
            throw node is SubstitutionNode substitution
                ? new HoconException(substitution.Origin, $"{substitution.Written} refers to itself through a cycle of substitutions")
                : new HoconException(node.Origin, "this value refers to itself through a cycle of substitutions");
        }

        try
        {
            var value = node switch
            {
                ObjectNode obj => ResolveObject(obj),
                ArrayNode array => new HoconArray(array.Items.Select(Resolve).OfType<HoconValue>().ToList(), array.Origin),
                ScalarNode scalar => new HoconScalar(scalar.Kind, scalar.Text, scalar.Origin),
                SubstitutionNode substitution => ResolveSubstitution(substitution),
                ConcatenationNode concatenation => ResolveConcatenation(concatenation),
                MergeNode merge => ResolveMerge(merge),
                _ => throw new InvalidOperationException("unknown node " + node.GetType().Name),
            };
            _resolved[node] = value;
            return value;
        }
        finally
        {
            _resolving.Remove(node);
        }
    }

    private HoconObject ResolveObject(ObjectNode obj)
    {
        var fields = new List<KeyValuePair<string, HoconValue>>();
        foreach (var (key, child) in obj.Fields)
        {
            if (Resolve(child) is { } value)
            {
                fields.Add(new(key, value));
            }
        }

        return new HoconObject(fields, obj.Origin);
    }

    private HoconValue? ResolveSubstitution(SubstitutionNode substitution)
    {
        if (!substitution.EnvironmentOnly)
        {
            if (Lookup(substitution.Path) is { } found)
            {
                return found;
            }

            if (!substitution.Fallback.SequenceEqual(substitution.Path) && Lookup(substitution.Fallback) is { } atRoot)
            {
                return atRoot;
            }
        }

        var variable = string.Join('.', substitution.Fallback);
        if (environment(variable) is { } text)
        {
            return new HoconScalar(HoconScalarKind.String, text, substitution.Origin);
        }

        return substitution.Optional
            ? null
            : throw new HoconException(substitution.Origin, $"{substitution.Written}: no such setting, and no environment variable {variable}");
    }

    private HoconValue? Lookup(IReadOnlyList<string> path)
    {
        object current = root;
        foreach (var key in path)
        {
            switch (current)
            {
                case ObjectNode obj:
                    if (obj.Find(key) is not { } child)
                    {
                        return null;
                    }

                    current = child;
                    continue;
                case HoconNode node:
                    if (Resolve(node) is not HoconObject resolved || !resolved.TryGetValue(key, out var value))
                    {
                        return null;
                    }

                    current = value;
                    continue;
                case HoconObject resolvedObject:
                    if (!resolvedObject.TryGetValue(key, out var field))
                    {
                        return null;
                    }

                    current = field;
                    continue;
                default:
                    return null;
            }
        }

        return current is HoconNode last ? Resolve(last) : (HoconValue)current;
    }

    private HoconValue? ResolveConcatenation(ConcatenationNode concatenation)
    {
        var parts = new List<(HoconValue Value, bool Space)>();
        foreach (var part in concatenation.Parts)
        {
            if (part is ScalarNode { IsWhitespace: true } space)
            {
                parts.Add((new HoconScalar(HoconScalarKind.String, space.Text, space.Origin), true));
            }
            else if (Resolve(part) is { } value)
            {
                parts.Add((value, false));
            }
        }

        var values = parts.Where(part => !part.Space).Select(part => part.Value).ToList();
        if (values.Count == 0)
        {
            return null;
        }

        if (values.All(value => value is HoconObject))
        {
            return values.Cast<HoconObject>().Aggregate(Merge);
        }

        if (values.All(value => value is HoconArray))
        {
            return new HoconArray(values.Cast<HoconArray>().SelectMany(array => array).ToList(), values[0].Origin);
        }

        if (values.FirstOrDefault(value => value is not HoconScalar) is { } structured)
        {
            var what = structured is HoconObject ? "an object" : "an array";
            throw new HoconException(concatenation.Origin, $"cannot concatenate {what} (at {structured.Origin}) with a string or a value of another kind");
        }

        if (values.Count == 1 && parts.Count == 1)
        {
            return values[0];
        }

        var text = new StringBuilder();
        foreach (var (value, _) in parts)
        {
            text.Append(((HoconScalar)value).Text);
        }

        return new HoconScalar(HoconScalarKind.String, text.ToString(), concatenation.Origin);
    }

    private HoconValue? ResolveMerge(MergeNode merge)
    {
        var later = Resolve(merge.Later);
        if (later is null)
        {
            return Resolve(merge.Earlier);
        }

        return later is HoconObject laterObject && Resolve(merge.Earlier) is HoconObject earlierObject ? Merge(earlierObject, laterObject) : later;
    }

    internal static HoconObject Merge(HoconObject earlier, HoconObject later)
    {
        var fields = earlier.ToList();
        foreach (var (key, value) in later)
        {
            var at = fields.FindIndex(field => field.Key == key);
            if (at < 0)
            {
                fields.Add(new(key, value));
            }
            else
            {
                fields[at] = new(key, fields[at].Value is HoconObject a && value is HoconObject b ? Merge(a, b) : value);
            }
        }

        return new HoconObject(fields, earlier.Origin);
    }
}
