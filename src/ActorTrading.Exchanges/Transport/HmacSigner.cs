using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.Exchanges.Transport;

/// <summary>HMAC-SHA256 with the account's secret, lowercase hex: the signature both venues document for HMAC keys.</summary>
internal sealed class HmacSigner(string secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    /// <summary>The signature of <paramref name="payload"/> (its UTF-8 bytes) as 64 lowercase hex digits.</summary>
    public string Hex(string payload)
    {
        var max = Encoding.UTF8.GetMaxByteCount(payload.Length);
        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[max] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(payload, buffer);
            Span<byte> hash = stackalloc byte[32];
            HMACSHA256.HashData(_key, buffer[..length], hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
