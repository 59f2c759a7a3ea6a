using System.Globalization;

namespace ActorTrading.Hocon;

/// <summary>
/// A resolved HOCON document read by path (<c>a.b.c</c>), with the spec's conversions: a number from a string that holds
/// one, booleans from <c>true/false/yes/no/on/off</c>, durations and sizes. A missing key or a value of the wrong kind
/// throws a <see cref="HoconException"/> naming the path, where it was written and what was expected.
/// </summary>
public sealed class HoconConfig
{
    /// <summary>A document over <paramref name="root"/>.</summary>
    public HoconConfig(HoconObject root) => Root = root;

    /// <summary>The document's root object.</summary>
    public HoconObject Root { get; }

    /// <summary>Parses <paramref name="text"/> (see <see cref="HoconParser.Parse"/>).</summary>
    public static HoconConfig Parse(string text, string name = "text", HoconParseOptions? options = null) => new(HoconParser.Parse(text, name, options));

    /// <summary>Parses the file at <paramref name="path"/> (see <see cref="HoconParser.ParseFile"/>).</summary>
    public static HoconConfig ParseFile(string path, HoconParseOptions? options = null) => new(HoconParser.ParseFile(path, options));

    /// <summary>Whether <paramref name="path"/> has a value other than <c>null</c>.</summary>
    public bool HasPath(string path) => Find(path) is { } value && value is not HoconScalar { Kind: HoconScalarKind.Null };

    /// <summary>The value at <paramref name="path"/>, or <c>null</c> when there is none.</summary>
    public HoconValue? Find(string path)
    {
        HoconValue current = Root;
        foreach (var key in HoconPath.Parse(path))
        {
            if (current is not HoconObject obj || !obj.TryGetValue(key, out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    /// <summary>The string at <paramref name="path"/> (a number or boolean as written).</summary>
    public string GetString(string path) => Scalar(path, "a string").Text;

    /// <summary>The 32-bit integer at <paramref name="path"/>.</summary>
    public int GetInt(string path) => Read(path, "a whole number", text => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : (int?)null);

    /// <summary>The 64-bit integer at <paramref name="path"/>.</summary>
    public long GetLong(string path) => Read(path, "a whole number", text => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : (long?)null);

    /// <summary>The number at <paramref name="path"/>.</summary>
    public double GetDouble(string path) => Read(path, "a number", text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : (double?)null);

    /// <summary>The boolean at <paramref name="path"/>: <c>true</c>, <c>yes</c>, <c>on</c>, <c>false</c>, <c>no</c>, <c>off</c>.</summary>
    public bool GetBoolean(string path) => Read(path, "a boolean (true, false, yes, no, on, off)", text => text switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => (bool?)false,
        _ => null,
    });

    /// <summary>The duration at <paramref name="path"/>: <c>10s</c>, <c>500 ms</c>, <c>2 minutes</c>; a bare number is milliseconds.</summary>
    public TimeSpan GetDuration(string path) =>
        Read(path, "a duration such as 10s, 500 ms or 2 minutes", text => HoconUnits.TryParseDuration(text, out var duration) ? duration : (TimeSpan?)null);

    /// <summary>The size in bytes at <paramref name="path"/>: <c>1 MiB</c>, <c>16k</c>, <c>10MB</c>; a bare number is bytes.</summary>
    public long GetBytes(string path) =>
        Read(path, "a size such as 512, 16k or 1 MiB", text => HoconUnits.TryParseSize(text, out var bytes) ? bytes : (long?)null);

    /// <summary>The array of strings at <paramref name="path"/>.</summary>
    public IReadOnlyList<string> GetStringList(string path) => Value(path) is HoconArray array
        ? array.Select(item => item is HoconScalar scalar ? scalar.Text : throw new HoconException(item.Origin, $"{path}: expected an array of strings, not one holding an object or an array")).ToList()
        : throw new HoconException(Value(path).Origin, $"{path}: expected an array");

    /// <summary>The object at <paramref name="path"/> as a document of its own.</summary>
    public HoconConfig GetConfig(string path) => Value(path) is HoconObject obj ? new HoconConfig(obj) : throw new HoconException(Value(path).Origin, $"{path}: expected an object");

    /// <summary>Every scalar and array under the root, by path, in the order written: what a flat key-value view holds.</summary>
    public IEnumerable<(IReadOnlyList<string> Path, HoconValue Value)> Leaves() => Leaves(Root, []);

    private static IEnumerable<(IReadOnlyList<string> Path, HoconValue Value)> Leaves(HoconObject obj, IReadOnlyList<string> path)
    {
        foreach (var (key, value) in obj)
        {
            IReadOnlyList<string> at = [.. path, key];
            if (value is HoconObject child)
            {
                foreach (var leaf in Leaves(child, at))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (at, value);
            }
        }
    }

    private HoconValue Value(string path) => Find(path) ?? throw new HoconException(new HoconOrigin(Root.Origin.File, 0, 0), $"no setting {path}");

    private HoconScalar Scalar(string path, string expected) => Value(path) is HoconScalar { Kind: not HoconScalarKind.Null } scalar
        ? scalar
        : throw new HoconException(Value(path).Origin, $"{path}: expected {expected}, not {Describe(Value(path))}");

    private T Read<T>(string path, string expected, Func<string, T?> read)
        where T : struct
    {
        var scalar = Scalar(path, expected);
        return read(scalar.Text) ?? throw new HoconException(scalar.Origin, $"{path}: expected {expected}, not '{scalar.Text}'");
    }

    private static string Describe(HoconValue value) => value switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        _ => "null",
    };
}
