using Microsoft.Extensions.Configuration;

namespace ActorTrading.Hocon.Configuration;

/// <summary>A HOCON file as a configuration source (see <see cref="HoconConfigurationExtensions.AddHoconFile(IConfigurationBuilder, string, bool)"/>).</summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>The file's path; a relative one is taken as it is, so callers resolve it first.</summary>
    public required string Path { get; init; }

    /// <summary>Whether a missing file is no error (it then adds no keys).</summary>
    public bool Optional { get; init; }

    /// <summary>Looks up environment variables for substitutions (<c>${?ACTORTRADING_POSTGRES}</c>); the process's by default.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>
    /// The one table of HOCON paths (<c>actortrading.ask-timeout</c>) and the keys they map onto. Set, a path the table
    /// does not name is refused (a misspelt setting is an error, not silently ignored). Unset, every path maps onto its
    /// keys with each lower-kebab key in PascalCase (<c>a.ask-timeout</c> → <c>A:AskTimeout</c>), values as written.
    /// </summary>
    public IReadOnlyDictionary<string, HoconKey>? Keys { get; init; }

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}
