using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.Domain;

/// <summary>
/// Client order ids derived from (subscription, signal, leg): the same inputs always give the same id, so
/// a subscription that crashed or timed out asks the exchange for exactly the order it may have placed
/// (invariant I2). The form fits both venues: at most 36 characters of <c>[a-z0-9-]</c>
/// (Binance <c>newClientOrderId</c> allows <c>[.A-Z:/a-z0-9_-]{1,36}</c>; Bybit <c>orderLinkId</c> at most 36).
/// </summary>
public static class ClientOrderIds
{
    /// <summary>The leg names used in ids.</summary>
    public static class Legs
    {
        /// <summary>The closing market order.</summary>
        public const string Close = "c";

        /// <summary>The opening market order.</summary>
        public const string Open = "o";

        /// <summary>The stop-loss.</summary>
        public const string StopLoss = "sl";

        /// <summary>The take-profit.</summary>
        public const string TakeProfit = "tp";
    }

    /// <summary><c>at-</c> + 28 hex digits of SHA-256(subscription, signal) + <c>-</c> + leg.</summary>
    public static string For(string subscriptionId, string signalId, string leg)
    {
        if (leg.Length is < 1 or > 4 || !leg.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"leg '{leg}' must be 1-4 lower-case letters or digits", nameof(leg));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{subscriptionId}\u001f{signalId}"));
        return $"at-{Convert.ToHexStringLower(hash)[..28]}-{leg}";
    }
}
