using System.Text;

namespace ActorTrading.Hocon;

/// <summary>Path expressions (<c>a.b."c.d"</c>): parsing them into keys and writing keys back as one.</summary>
public static class HoconPath
{
    /// <summary>The keys of <paramref name="path"/>: split at dots outside quotes, quotes removed.</summary>
    /// <exception cref="ArgumentException">The path is empty, has an empty key or an unclosed quote.</exception>
    public static IReadOnlyList<string> Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var keys = new List<string>();
        var key = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in path)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == '.' && !quoted)
            {
                if (!any)
                {
                    throw new ArgumentException($"path '{path}' has an empty key", nameof(path));
                }

                keys.Add(key.ToString());
                key.Clear();
                any = false;
            }
            else
            {
                key.Append(c);
                any = true;
            }
        }

        if (quoted)
        {
            throw new ArgumentException($"path '{path}' has an unclosed quote", nameof(path));
        }

        if (!any)
        {
            throw new ArgumentException($"path '{path}' has an empty key", nameof(path));
        }

        keys.Add(key.ToString());
        return keys;
    }

    /// <summary>The keys as one path expression, quoting a key that would not read back as itself.</summary>
    public static string Render(IEnumerable<string> keys) => string.Join('.', keys.Select(key =>
        key.Length > 0 && key.All(c => char.IsLetterOrDigit(c) || c is '-' or '_') ? key : "\"" + key.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
}
