using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace ActorTrading.Hocon.Configuration;

/// <summary>
/// Flattens a HOCON file into configuration keys: objects become sections, an array's elements <c>key:0</c>,
/// <c>key:1</c>…, <c>null</c> leaves the key unset; durations and sizes are converted as its <see cref="HoconKey"/> says.
/// Loaded once (no reload); any problem is a <see cref="HoconException"/> naming file, line, column and path.
/// </summary>
public sealed class HoconConfigurationProvider(HoconConfigurationSource source) : ConfigurationProvider
{
    /// <inheritdoc />
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var full = System.IO.Path.GetFullPath(source.Path);
        if (!File.Exists(full))
        {
            if (!source.Optional)
            {
                throw new HoconException(new HoconOrigin(full, 0, 0), "the configuration file does not exist");
            }

            Data = data;
            return;
        }

        var config = HoconConfig.ParseFile(full, new HoconParseOptions { Environment = source.Environment });
        foreach (var (path, value) in config.Leaves())
        {
            var rendered = HoconPath.Render(path);
            HoconKey key;
            if (source.Keys is null)
            {
                key = new HoconKey(string.Join(ConfigurationPath.KeyDelimiter, path.Select(PascalCase)));
            }
            else if (!source.Keys.TryGetValue(rendered, out var mapped))
            {
                throw new HoconException(value.Origin, $"{rendered} is not a setting (every setting is listed, with its default, in reference.conf)");
            }
            else
            {
                key = mapped;
            }

            Add(data, key, rendered, value);
        }

        Data = data;
    }

    /// <summary><c>ask-timeout</c> → <c>AskTimeout</c>: each lower-kebab word capitalized, the dashes dropped.</summary>
    public static string PascalCase(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var text = new StringBuilder(key.Length);
        var upper = true;
        foreach (var c in key)
        {
            if (c == '-')
            {
                upper = true;
                continue;
            }

            text.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return text.ToString();
    }

    private static void Add(Dictionary<string, string?> data, HoconKey key, string path, HoconValue value)
    {
        switch (value)
        {
            case HoconScalar { Kind: HoconScalarKind.Null }:
                return;
            case HoconScalar scalar:
                data[key.ConfigurationKey] = Convert(key.Kind, path, scalar);
                return;
            case HoconArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Add(data, key with { ConfigurationKey = key.ConfigurationKey + ConfigurationPath.KeyDelimiter + i.ToString(CultureInfo.InvariantCulture) }, path, array[i]);
                }

                return;
            case HoconObject obj:
                foreach (var (child, inner) in obj)
                {
                    Add(data, key with { ConfigurationKey = key.ConfigurationKey + ConfigurationPath.KeyDelimiter + PascalCase(child) }, path + "." + child, inner);
                }

                return;
        }
    }

    private static string Convert(HoconValueKind kind, string path, HoconScalar scalar)
    {
        switch (kind)
        {
            case HoconValueKind.Duration or HoconValueKind.Milliseconds:
                var isDuration = HoconUnits.TryParseDuration(scalar.Text, out var duration);
                if (!isDuration && kind == HoconValueKind.Duration && TimeSpan.TryParse(scalar.Text, CultureInfo.InvariantCulture, out duration))
                {
                    isDuration = true; // the binder's own form, 00:00:10, is accepted as well
                }

                if (!isDuration)
                {
                    throw new HoconException(scalar.Origin, $"{path} must be a duration such as 10s, 500 ms or 2 minutes, not '{scalar.Text}'");
                }

                if (kind == HoconValueKind.Duration)
                {
                    return duration.ToString("c", CultureInfo.InvariantCulture);
                }

                return duration.Ticks % TimeSpan.TicksPerMillisecond == 0
                    ? (duration.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture)
                    : throw new HoconException(scalar.Origin, $"{path} must be a whole number of milliseconds, not '{scalar.Text}'");
            case HoconValueKind.Bytes:
                return HoconUnits.TryParseSize(scalar.Text, out var bytes)
                    ? bytes.ToString(CultureInfo.InvariantCulture)
                    : throw new HoconException(scalar.Origin, $"{path} must be a size such as 512, 16k or 1 MiB, not '{scalar.Text}'");
            default:
                return scalar.Text;
        }
    }
}
