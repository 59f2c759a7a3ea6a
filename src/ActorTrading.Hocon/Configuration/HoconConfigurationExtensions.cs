using ActorTrading.Hocon.Configuration;

// The namespace of the builder, as Microsoft's own providers do, so that AddHoconFile is found beside AddJsonFile.
namespace Microsoft.Extensions.Configuration;

/// <summary>Adds HOCON files to a configuration.</summary>
public static class HoconConfigurationExtensions
{
    /// <summary>Adds the HOCON file at <paramref name="path"/>, each path mapped onto its keys in PascalCase.</summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional) =>
        builder.AddHoconFile(new HoconConfigurationSource { Path = path, Optional = optional });

    /// <summary>Adds a HOCON file as <paramref name="source"/> describes it.</summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, HoconConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(source);
    }
}
