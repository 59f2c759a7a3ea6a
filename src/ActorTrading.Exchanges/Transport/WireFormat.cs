using System.Globalization;

namespace ActorTrading.Exchanges.Transport;

/// <summary>Decimals travel as invariant strings: no exponent, no thousands separator, no trailing zeros.</summary>
internal static class WireFormat
{
    public static string Decimal(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A venue decimal string; empty or absent reads as zero (Bybit sends <c>""</c> for "not set").</summary>
    public static decimal ParseDecimal(string? value) =>
        string.IsNullOrEmpty(value) ? 0m : decimal.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static long ParseLong(string? value) =>
        string.IsNullOrEmpty(value) ? 0L : long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
