using System.Collections;

namespace ActorTrading.Hocon;

/// <summary>Where a value or an error is in the HOCON text: file (or the name given to a text), line and column, from 1.</summary>
public readonly record struct HoconOrigin(string File, int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A resolved HOCON value: an object, an array or a scalar. Substitutions and concatenations are gone.</summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin origin) => Origin = origin;

    /// <summary>Where the value was written (for an object made by merging, where its first part was).</summary>
    public HoconOrigin Origin { get; }
}

/// <summary>What a scalar was written as: its kind decides how it may be read (a quoted "10" is still a number to read).</summary>
public enum HoconScalarKind
{
    /// <summary>A quoted, unquoted or triple-quoted string, or a concatenation.</summary>
    String,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary><c>null</c>: the key is set to nothing.</summary>
    Null,
}

/// <summary>A string, number, boolean or null, with the text it was written as.</summary>
public sealed class HoconScalar : HoconValue
{
    /// <summary>A scalar of <paramref name="kind"/> written as <paramref name="text"/> at <paramref name="origin"/>.</summary>
    public HoconScalar(HoconScalarKind kind, string text, HoconOrigin origin)
        : base(origin)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>What it was written as.</summary>
    public HoconScalarKind Kind { get; }

    /// <summary>Its text: a string's characters (escapes decoded), a number's digits as written, <c>true</c>, <c>null</c>.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>An array of resolved values.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "HOCON's own names for its values.")]
public sealed class HoconArray : HoconValue, IReadOnlyList<HoconValue>
{
    private readonly IReadOnlyList<HoconValue> _items;

    /// <summary>An array of <paramref name="items"/> written at <paramref name="origin"/>.</summary>
    public HoconArray(IReadOnlyList<HoconValue> items, HoconOrigin origin)
        : base(origin) => _items = items;

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public HoconValue this[int index] => _items[index];

    /// <inheritdoc />
    public IEnumerator<HoconValue> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An object of resolved values, its keys in the order they were first written.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "HOCON's own names for its values.")]
public sealed class HoconObject : HoconValue, IReadOnlyDictionary<string, HoconValue>
{
    private readonly IReadOnlyList<KeyValuePair<string, HoconValue>> _fields;
    private readonly Dictionary<string, HoconValue> _byKey;

    /// <summary>An object of <paramref name="fields"/> (keys unique) written at <paramref name="origin"/>.</summary>
    public HoconObject(IReadOnlyList<KeyValuePair<string, HoconValue>> fields, HoconOrigin origin)
        : base(origin)
    {
        _fields = fields;
        _byKey = new Dictionary<string, HoconValue>(fields, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public int Count => _fields.Count;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _fields.Select(pair => pair.Key);

    /// <inheritdoc />
    public IEnumerable<HoconValue> Values => _fields.Select(pair => pair.Value);

    /// <inheritdoc />
    public HoconValue this[string key] => _byKey[key];

    /// <inheritdoc />
    public bool ContainsKey(string key) => _byKey.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HoconValue value) => _byKey.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, HoconValue>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>HOCON text that is not valid, or a value that cannot be read as asked; the message starts with the origin.</summary>
public sealed class HoconException : FormatException
{
    /// <summary>An error at <paramref name="origin"/>: "file:line:column: <paramref name="problem"/>".</summary>
    public HoconException(HoconOrigin origin, string problem)
        : base($"{origin}: {problem}")
    {
        Origin = origin;
        Problem = problem;
    }

    /// <summary>Where it is.</summary>
    public HoconOrigin Origin { get; }

    /// <summary>What is wrong, without the origin.</summary>
    public string Problem { get; }
}
