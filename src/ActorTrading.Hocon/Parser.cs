using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorTrading.Hocon;

// Recursive descent over the characters (no token list): HOCON's whitespace is significant inside a value concatenation
// and a new line ends a field, so the parser decides at each character what it may be.
internal sealed partial class Parser
{
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private readonly string? _directory;
    private readonly IReadOnlyList<string> _prefix;
    private readonly HoconParseOptions _options;
    private readonly IReadOnlySet<string> _including;

    // The objects being parsed, with their absolute paths (null inside arrays): where a self-reference finds the key's earlier value.
    private readonly List<(ObjectNode Object, IReadOnlyList<string>? Path)> _frames = [];
    private int _position;
    private int _line = 1;
    private int _column = 1;

    public Parser(string text, string file, string? directory, IReadOnlyList<string> prefix, HoconParseOptions options, IReadOnlySet<string> including)
    {
        _text = text;
        _file = file;
        _directory = directory;
        _prefix = prefix;
        _options = options;
        _including = including;
    }

    private bool AtEnd => _position >= _text.Length;

    private char Peek => AtEnd ? '\0' : _text[_position];

    private HoconOrigin Here => new(_file, _line, _column);

    private bool AtComment => Peek == '#' || (Peek == '/' && PeekAt(1) == '/');

    public ObjectNode ParseRoot()
    {
        if (Peek == '\uFEFF')
        {
            Advance();
        }

        SkipSpace(newlines: true);
        ObjectNode root;
        if (Peek == '{')
        {
            var origin = Here;
            Advance();
            root = ParseObjectBody(origin, closing: true, _prefix);
        }
        else if (Peek == '[')
        {
            throw Error(Here, "expected an object at the root, not an array");
        }
        else
        {
            root = ParseObjectBody(Here, closing: false, _prefix);
        }

        SkipSpace(newlines: true);
        if (!AtEnd)
        {
            throw Error(Here, $"expected the end of the file after the root object, not {Describe()}");
        }

        return root;
    }

    private ObjectNode ParseObjectBody(HoconOrigin origin, bool closing, IReadOnlyList<string>? path)
    {
        var result = new ObjectNode(origin);
        _frames.Add((result, path));
        try
        {
            while (true)
            {
                SkipSpace(newlines: true);
                if (AtEnd)
                {
                    if (closing)
                    {
                        throw Error(Here, $"expected '}}' to close the object opened at {origin}");
                    }

                    return result;
                }

                if (Peek == '}')
                {
                    if (!closing)
                    {
                        throw Error(Here, "expected a key, not '}': no object is open");
                    }

                    Advance();
                    return result;
                }

                if (Peek == ',')
                {
                    throw Error(Here, "expected a key, not ','");
                }

                if (AtInclude())
                {
                    ParseInclude(result, path);
                }
                else
                {
                    ParseField(result, path);
                }

                SkipSeparator('}', "a field", "a key");
            }
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    private void ParseField(ObjectNode target, IReadOnlyList<string>? path)
    {
        var origin = Here;
        var key = ParseKey();
        var full = path is null ? null : path.Concat(key).ToList();
        SkipSpace(newlines: false);
        HoconNode value;
        var append = false;
        if (Peek == '{')
        {
            value = ParseValue(full);
        }
        else if (Peek is '=' or ':')
        {
            Advance();
            SkipSpace(newlines: true);
            value = ParseValue(full);
        }
        else if (Peek == '+' && PeekAt(1) == '=')
        {
            Advance();
            Advance();
            SkipSpace(newlines: true);
            value = ParseValue(full);
            append = true;
        }
        else
        {
            throw Error(Here, $"expected '=', ':', '+=' or '{{' after the key {HoconPath.Render(key)}, not {Describe()}");
        }

        if (full is not null)
        {
            if (append)
            {
                // The spec's definition: a += x is a = ${?a} [x].
                var array = new ArrayNode(value.Origin);
                array.Items.Add(value);
                value = new ConcatenationNode([new SubstitutionNode(full, full, optional: true, origin), array], origin);
            }

            value = SpliceSelfReferences(value, full);
        }
        else if (append)
        {
            throw Error(origin, "'+=' is not allowed inside an array");
        }

        for (var i = key.Count - 1; i >= 1; i--)
        {
            var wrapper = new ObjectNode(origin);
            wrapper.Put(key[i], value);
            value = wrapper;
        }

        target.Assign(key[0], value);
    }

    // A value that names its own key (path = ${path}":/bin", a += x) means the key's earlier value: it is put in now, so
    // that resolving later never sees a cycle.
    private HoconNode SpliceSelfReferences(HoconNode value, IReadOnlyList<string> path)
    {
        switch (value)
        {
            case SubstitutionNode substitution when !substitution.EnvironmentOnly && substitution.Path.SequenceEqual(path):
                return FindEarlier(path)
                       ?? new SubstitutionNode(substitution.Path, substitution.Fallback, substitution.Optional, substitution.Origin, environmentOnly: true);
            case ConcatenationNode concatenation:
                return new ConcatenationNode(concatenation.Parts.Select(part => SpliceSelfReferences(part, path)).ToList(), concatenation.Origin);
            default:
                return value;
        }
    }

    private HoconNode? FindEarlier(IReadOnlyList<string> path)
    {
        for (var i = _frames.Count - 1; i >= 0; i--)
        {
            var (frame, framePath) = _frames[i];
            if (framePath is null || framePath.Count >= path.Count || !path.Take(framePath.Count).SequenceEqual(framePath))
            {
                continue;
            }

            HoconNode? node = frame;
            foreach (var key in path.Skip(framePath.Count))
            {
                node = (node as ObjectNode)?.Find(key);
            }

            if (node is not null)
            {
                return node;
            }
        }

        return null;
    }

    private List<string> ParseKey()
    {
        var keys = new List<string>();
        var key = new StringBuilder();
        var any = false;
        while (true)
        {
            if (Peek == '"')
            {
                key.Append(ParseQuotedText());
                any = true;
            }
            else if (Peek == '.')
            {
                if (!any)
                {
                    throw Error(Here, "expected a key before '.'");
                }

                Advance();
                keys.Add(key.ToString());
                key.Clear();
                any = false;
            }
            else if (IsUnquoted(Peek) && !AtComment)
            {
                while (IsUnquoted(Peek) && Peek != '.' && !AtComment)
                {
                    key.Append(Peek);
                    Advance();
                }

                any = true;
            }
            else if (IsInlineWhitespace(Peek) && any && WhitespaceContinuesKey())
            {
                // "a b c : 1" has the key "a b c": whitespace inside a key is kept.
                while (IsInlineWhitespace(Peek))
                {
                    key.Append(Peek);
                    Advance();
                }
            }
            else
            {
                break;
            }
        }

        if (!any)
        {
            throw Error(Here, keys.Count == 0 ? $"expected a key, not {Describe()}" : $"expected a key after '.', not {Describe()}");
        }

        keys.Add(key.ToString());
        return keys;
    }

    private bool WhitespaceContinuesKey()
    {
        var at = _position;
        while (at < _text.Length && IsInlineWhitespace(_text[at]))
        {
            at++;
        }

        if (at >= _text.Length)
        {
            return false;
        }

        var next = _text[at];
        var comment = next == '#' || (next == '/' && at + 1 < _text.Length && _text[at + 1] == '/');
        return !comment && (next == '"' || next == '.' || IsUnquoted(next));
    }

    // A concatenation: simple values side by side on one line, whitespace between them kept.
    private HoconNode ParseValue(IReadOnlyList<string>? path)
    {
        var origin = Here;
        var parts = new List<HoconNode>();
        while (!AtEnd && Peek is not ('\n' or ',' or '}' or ']') && !AtComment)
        {
            if (IsInlineWhitespace(Peek))
            {
                var spaceOrigin = Here;
                var space = new StringBuilder();
                while (IsInlineWhitespace(Peek))
                {
                    space.Append(Peek);
                    Advance();
                }

                if (!AtEnd && Peek is not ('\n' or ',' or '}' or ']') && !AtComment)
                {
                    parts.Add(new ScalarNode(HoconScalarKind.String, space.ToString(), spaceOrigin, isWhitespace: true));
                }

                continue;
            }

            parts.Add(ParseSimpleValue(path));
        }

        return parts.Count switch
        {
            0 => throw Error(origin, $"expected a value, not {Describe()}"),
            1 => parts[0],
            _ => new ConcatenationNode(parts, origin),
        };
    }

    private HoconNode ParseSimpleValue(IReadOnlyList<string>? path)
    {
        var origin = Here;
        switch (Peek)
        {
            case '{':
                Advance();
                return ParseObjectBody(origin, closing: true, path);
            case '[':
                return ParseArray();
            case '"' when PeekAt(1) == '"' && PeekAt(2) == '"':
                return new ScalarNode(HoconScalarKind.String, ParseTripleQuotedText(), origin);
            case '"':
                return new ScalarNode(HoconScalarKind.String, ParseQuotedText(), origin);
            case '$' when PeekAt(1) == '{':
                return ParseSubstitution();
            case '$':
                throw Error(origin, "expected '{' after '$' (a substitution is ${path}); quote a string that holds '$'");
        }

        if (!IsUnquoted(Peek))
        {
            throw Error(origin, $"expected a value, not {Describe()}");
        }

        var text = new StringBuilder();
        while (IsUnquoted(Peek) && !AtComment)
        {
            text.Append(Peek);
            Advance();
        }

        var word = text.ToString();
        var kind = word switch
        {
            "true" or "false" => HoconScalarKind.Boolean,
            "null" => HoconScalarKind.Null,
            _ when JsonNumber().IsMatch(word) => HoconScalarKind.Number,
            _ => HoconScalarKind.String,
        };
        return new ScalarNode(kind, word, origin);
    }

    private ArrayNode ParseArray()
    {
        var array = new ArrayNode(Here);
        Advance();
        while (true)
        {
            SkipSpace(newlines: true);
            if (AtEnd)
            {
                throw Error(Here, $"expected ']' to close the array opened at {array.Origin}");
            }

            if (Peek == ']')
            {
                Advance();
                return array;
            }

            if (Peek == ',')
            {
                throw Error(Here, "expected a value, not ','");
            }

            array.Items.Add(ParseValue(null));
            SkipSeparator(']', "an array element", "a value");
        }
    }

    // After an object's field or an array's element: one comma (then anything on the next lines), a new line, or the close.
    private void SkipSeparator(char close, string item, string next)
    {
        SkipSpace(newlines: false);
        if (Peek == ',')
        {
            Advance();
            SkipSpace(newlines: true);
            if (Peek == ',')
            {
                throw Error(Here, $"expected {next}, not a second ','");
            }
        }
        else if (!AtEnd && Peek != '\n' && Peek != close)
        {
            throw Error(Here, $"expected ',', a new line or '{close}' after {item}, not {Describe()}");
        }
    }

    private SubstitutionNode ParseSubstitution()
    {
        var origin = Here;
        Advance();
        Advance();
        var optional = Peek == '?';
        if (optional)
        {
            Advance();
        }

        var keys = new List<string>();
        var key = new StringBuilder();
        var any = false;
        while (true)
        {
            if (Peek == '"')
            {
                key.Append(ParseQuotedText());
                any = true;
            }
            else if (Peek == '.' && any)
            {
                Advance();
                keys.Add(key.ToString());
                key.Clear();
                any = false;
            }
            else if (IsUnquoted(Peek) && Peek != '.')
            {
                key.Append(Peek);
                Advance();
                any = true;
            }
            else
            {
                break;
            }
        }

        if (!any)
        {
            throw Error(Here, $"expected a path in the substitution opened at {origin}, not {Describe()}");
        }

        if (Peek != '}')
        {
            throw Error(Here, $"expected '}}' to close the substitution opened at {origin}, not {Describe()}");
        }

        Advance();
        keys.Add(key.ToString());
        return new SubstitutionNode([.. _prefix, .. keys], keys, optional, origin);
    }

    private string ParseQuotedText()
    {
        var origin = Here;
        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek == '\n')
            {
                throw Error(Here, $"expected '\"' to close the string opened at {origin} (a string on several lines is written \"\"\"...\"\"\")");
            }

            var escape = Here;
            var c = Peek;
            Advance();
            if (c == '"')
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            var e = Peek;
            Advance();
            switch (e)
            {
                case '"' or '\\' or '/':
                    text.Append(e);
                    break;
                case 'b':
                    text.Append('\b');
                    break;
                case 'f':
                    text.Append('\f');
                    break;
                case 'n':
                    text.Append('\n');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case 't':
                    text.Append('\t');
                    break;
                case 'u':
                    var hex = _position + 4 <= _text.Length ? _text.Substring(_position, 4) : "";
                    if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error(escape, "expected four hex digits after \\u");
                    }

                    for (var i = 0; i < 4; i++)
                    {
                        Advance();
                    }

                    text.Append((char)code);
                    break;
                default:
                    throw Error(escape, $"expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), not '\\{e}'");
            }
        }
    }

    private string ParseTripleQuotedText()
    {
        var origin = Here;
        Advance();
        Advance();
        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw Error(origin, "expected '\"\"\"' to close this string");
            }

            if (Peek == '"' && PeekAt(1) == '"' && PeekAt(2) == '"')
            {
                Advance();
                Advance();
                Advance();

                // """a"""" is a", : quotes before the closing three belong to the string.
                while (Peek == '"')
                {
                    text.Append('"');
                    Advance();
                }

                return text.ToString();
            }

            text.Append(Peek);
            Advance();
        }
    }

    private bool AtInclude()
    {
        if (string.CompareOrdinal(_text, _position, "include", 0, 7) != 0)
        {
            return false;
        }

        var at = _position + 7;
        if (at >= _text.Length || !IsInlineWhitespace(_text[at]))
        {
            return false;
        }

        while (at < _text.Length && IsInlineWhitespace(_text[at]))
        {
            at++;
        }

        var rest = _text.AsSpan(at);
        return rest.StartsWith("\"") || rest.StartsWith("file(") || rest.StartsWith("required(") || rest.StartsWith("url(") || rest.StartsWith("classpath(");
    }

    private void ParseInclude(ObjectNode target, IReadOnlyList<string>? path)
    {
        var origin = Here;
        for (var i = 0; i < 7; i++)
        {
            Advance();
        }

        SkipSpace(newlines: false);
        var required = Match("required(");
        var name = ParseIncludeTarget();
        if (required)
        {
            SkipSpace(newlines: false);
            Expect(')');
        }

        string full;
        if (Path.IsPathRooted(name))
        {
            full = Path.GetFullPath(name);
        }
        else if (_directory is null)
        {
            throw Error(origin, $"cannot include \"{name}\": this text was not read from a file, so there is no directory to include from");
        }
        else
        {
            full = Path.GetFullPath(Path.Combine(_directory, name));
        }

        string? text = null;
        foreach (var candidate in Path.HasExtension(full) ? [full] : new[] { full, full + ".conf" })
        {
            text = _options.ReadFile(candidate);
            if (text is not null)
            {
                full = candidate;
                break;
            }
        }

        if (text is null)
        {
            // The spec: a missing include is no error unless it is required.
            if (required)
            {
                throw Error(origin, $"included file '{full}' does not exist (include required)");
            }

            return;
        }

        if (_including.Contains(full))
        {
            throw Error(origin, $"'{full}' includes itself (an include cycle)");
        }

        // Its keys land where the include is; its substitutions look there first, then at the root (the spec's fix-up).
        var included = new Parser(text, full, Path.GetDirectoryName(full), path ?? [], _options, new HashSet<string>(_including) { full }).ParseRoot();
        foreach (var field in included.Fields)
        {
            target.Assign(field.Key, field.Value);
        }
    }

    private string ParseIncludeTarget()
    {
        if (Match("file("))
        {
            SkipSpace(newlines: false);
            var name = ExpectQuoted();
            SkipSpace(newlines: false);
            Expect(')');
            return name;
        }

        if (Match("url(") || Match("classpath("))
        {
            throw Error(Here, "include url(...) and classpath(...) are not supported here: include a file");
        }

        return ExpectQuoted();
    }

    private string ExpectQuoted() => Peek == '"' ? ParseQuotedText() : throw Error(Here, $"expected a quoted file name, not {Describe()}");

    private void Expect(char c)
    {
        if (Peek != c)
        {
            throw Error(Here, $"expected '{c}', not {Describe()}");
        }

        Advance();
    }

    private bool Match(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            return false;
        }

        foreach (var _ in word)
        {
            Advance();
        }

        return true;
    }

    private void SkipSpace(bool newlines)
    {
        while (!AtEnd)
        {
            if (IsInlineWhitespace(Peek) || (newlines && Peek == '\n'))
            {
                Advance();
            }
            else if (AtComment)
            {
                while (!AtEnd && Peek != '\n')
                {
                    Advance();
                }
            }
            else
            {
                return;
            }
        }
    }

    private void Advance()
    {
        if (_text[_position] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _position++;
    }

    private char PeekAt(int offset) => _position + offset < _text.Length ? _text[_position + offset] : '\0';

    private string Describe() => AtEnd ? "the end of the file" : Peek == '\n' ? "a new line" : $"'{Peek}'";

    private static bool IsInlineWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private static bool IsUnquoted(char c) => c != '\0' && !char.IsWhiteSpace(c) && c != '\uFEFF' && !Forbidden.Contains(c, StringComparison.Ordinal);

    private static HoconException Error(HoconOrigin origin, string problem) => new(origin, problem);

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
