using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorTrading.Hocon;

/// <summary>The spec's duration and size formats: a number, optional whitespace, a unit (<c>10s</c>, <c>500 ms</c>,
/// <c>2 minutes</c>, <c>1 MiB</c>, <c>16k</c>); a bare number is milliseconds or bytes.</summary>
public static partial class HoconUnits
{
    private const long TicksPerNanosecondDivisor = 100;

    private static readonly Dictionary<string, double> DurationTicks = Units(
        (1.0 / TicksPerNanosecondDivisor, ["ns", "nano", "nanos", "nanosecond", "nanoseconds"]),
        (TimeSpan.TicksPerMicrosecond, ["us", "micro", "micros", "microsecond", "microseconds"]),
        (TimeSpan.TicksPerMillisecond, ["", "ms", "milli", "millis", "millisecond", "milliseconds"]),
        (TimeSpan.TicksPerSecond, ["s", "second", "seconds"]),
        (TimeSpan.TicksPerMinute, ["m", "minute", "minutes"]),
        (TimeSpan.TicksPerHour, ["h", "hour", "hours"]),
        (TimeSpan.TicksPerDay, ["d", "day", "days"]));

    private static readonly Dictionary<string, double> SizeBytes = Units(
        (1, ["", "B", "b", "byte", "bytes"]),
        (1e3, ["kB", "kilobyte", "kilobytes"]),
        (1e6, ["MB", "megabyte", "megabytes"]),
        (1e9, ["GB", "gigabyte", "gigabytes"]),
        (1e12, ["TB", "terabyte", "terabytes"]),
        (1024, ["K", "k", "Ki", "KiB", "kibibyte", "kibibytes"]),
        (1024.0 * 1024, ["M", "m", "Mi", "MiB", "mebibyte", "mebibytes"]),
        (1024.0 * 1024 * 1024, ["G", "g", "Gi", "GiB", "gibibyte", "gibibytes"]),
        (1024.0 * 1024 * 1024 * 1024, ["T", "t", "Ti", "TiB", "tebibyte", "tebibytes"]));

    /// <summary>Reads a duration; <c>false</c> when <paramref name="text"/> is not one.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!TryScale(text, DurationTicks, out var ticks) || Math.Abs(ticks) > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }

    /// <summary>Reads a size in bytes; <c>false</c> when <paramref name="text"/> is not one or is not a whole number of bytes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = default;
        if (!TryScale(text, SizeBytes, out var value) || value != Math.Floor(value) || Math.Abs(value) > long.MaxValue)
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }

    private static bool TryScale(string text, Dictionary<string, double> units, out double scaled)
    {
        scaled = default;
        var match = NumberAndUnit().Match(text);
        if (!match.Success || !units.TryGetValue(match.Groups["unit"].Value, out var unit))
        {
            return false;
        }

        scaled = double.Parse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture) * unit;
        return true;
    }

    private static Dictionary<string, double> Units(params (double Scale, string[] Names)[] units) =>
        units.SelectMany(unit => unit.Names.Select(name => (name, unit.Scale))).ToDictionary(unit => unit.name, unit => unit.Scale, StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*(?<number>-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)\s*(?<unit>[a-zA-Z]*)\s*$")]
    private static partial Regex NumberAndUnit();
}
