namespace ActorTrading.Hocon;

/// <summary>How a HOCON text is read: where environment variables and included files come from.</summary>
public sealed record HoconParseOptions
{
    /// <summary>Looks up an environment variable for a substitution no key answers (<c>${?HOME}</c>); the process
    /// environment unless replaced (tests).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Reads an included file by its full path; <c>null</c> when it does not exist.</summary>
    public Func<string, string?> ReadFile { get; init; } = path => File.Exists(path) ? File.ReadAllText(path) : null;

    /// <summary>The directory a text parsed without a file includes relative to; unset, such a text cannot include.</summary>
    public string? BaseDirectory { get; init; }
}

/// <summary>
/// Reads HOCON (Lightbend's "Human-Optimized Config Object Notation", the format of Akka's <c>reference.conf</c>) into a
/// resolved <see cref="HoconObject"/>: objects and arrays, braces at the root optional, <c>=</c>, <c>:</c> or nothing
/// before <c>{</c>, commas or new lines, <c>#</c> and <c>//</c> comments, quoted, unquoted and triple-quoted strings, path
/// keys (<c>a.b.c = 1</c>), duplicate keys merging objects and otherwise the later winning, value concatenation,
/// <c>${path}</c> and <c>${?path}</c> substitutions (falling back to environment variables), self-references and
/// <c>+=</c>, and <c>include "file"</c> / <c>include required(file("file"))</c> relative to the including file.
/// Every error is a <see cref="HoconException"/> naming file, line, column and what was expected.
/// </summary>
public static class HoconParser
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> stands for the file in origins and errors.</summary>
    public static HoconObject Parse(string text, string name = "text", HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= new HoconParseOptions();
        var root = new Parser(text, name, options.BaseDirectory, [], options, new HashSet<string>()).ParseRoot();
        return new Resolver(root, options.Environment).ResolveRoot();
    }

    /// <summary>Parses the file at <paramref name="path"/> (its includes relative to its directory).</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static HoconObject ParseFile(string path, HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new HoconParseOptions();
        var full = Path.GetFullPath(path);
        var text = options.ReadFile(full) ?? throw new FileNotFoundException($"HOCON file '{full}' does not exist", full);
        var root = new Parser(text, full, Path.GetDirectoryName(full), [], options, new HashSet<string> { full }).ParseRoot();
        return new Resolver(root, options.Environment).ResolveRoot();
    }
}
