using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.ExchangeSimulator;

/// <summary>What the venues check on a signed request: HMAC-SHA256 hex compared in constant time, and the timestamp rule.</summary>
internal static class SimSigning
{
    public static bool Verify(string secret, string payload, string? signature)
    {
        if (signature is null || signature.Length != 64)
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(payload)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }

    /// <summary>Both venues: accept iff <c>serverTime - recvWindow &lt;= timestamp &lt; serverTime + 1000</c>.</summary>
    public static bool TimestampOk(long serverNowMs, string? timestamp, string? recvWindow)
    {
        if (!long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts))
        {
            return false;
        }

        var window = long.TryParse(recvWindow, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) ? w : 5000;
        return ts < serverNowMs + 1000 && serverNowMs - ts <= window;
    }

    public static string D(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}
