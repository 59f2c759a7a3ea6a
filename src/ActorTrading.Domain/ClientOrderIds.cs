using System.Buffers;
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
    /// <remarks>
    /// Never change what this returns for given inputs: an order placed by an earlier version must still be found by its id
    /// after an upgrade. Built on the stack: a fan-out derives several ids per subscription, and the string, hex and byte
    /// copies of the straightforward form were an eighth of everything a subscription allocated for a signal.
    /// </remarks>
    public static string For(string subscriptionId, string signalId, string leg)
    {
        if (leg.Length is < 1 or > 4 || !leg.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"leg '{leg}' must be 1-4 lower-case letters or digits", nameof(leg));
        }

        var length = Encoding.UTF8.GetByteCount(subscriptionId) + 1 + Encoding.UTF8.GetByteCount(signalId);
        byte[]? rented = null;
        var input = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(subscriptionId, input);
            input[written++] = 0x1f;
            written += Encoding.UTF8.GetBytes(signalId, input[written..]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(input[..written], hash);

            Span<char> id = stackalloc char[Prefix.Length + HashDigits + 1 + leg.Length];
            Prefix.CopyTo(id);
            Convert.TryToHexStringLower(hash[..(HashDigits / 2)], id[Prefix.Length..], out _);
            id[Prefix.Length + HashDigits] = '-';
            leg.CopyTo(id[(Prefix.Length + HashDigits + 1)..]);
            return new string(id);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private const string Prefix = "at-";
    private const int HashDigits = 28;
}
