using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.Trading;

/// <summary>
/// Encrypts exchange API secrets at rest (invariant I6) with AES-256-GCM. The stored form is
/// <c>v1:</c> + base64(nonce ‖ tag ‖ ciphertext). The account id is bound in as associated data, so a
/// ciphertext copied onto another account does not decrypt. The key comes from configuration and is
/// never stored beside the data.
/// </summary>
public sealed class SecretProtector
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    /// <summary>Creates a protector with a 32-byte key.</summary>
    public SecretProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"the secret key must be 32 bytes (256 bits), got {key.Length}", nameof(key));
        }

        _key = [.. key];
    }

    /// <summary>A protector from a base64 key (the form configuration holds).</summary>
    public static SecretProtector FromBase64(string key)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            throw new ArgumentException("the secret key must be base64 (32 random bytes, e.g. `openssl rand -base64 32`)", nameof(key));
        }

        return new SecretProtector(bytes);
    }

    /// <summary>Encrypts <paramref name="secret"/> for the account <paramref name="accountId"/>.</summary>
    public string Protect(string secret, string accountId)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(accountId));
        CryptographicOperations.ZeroMemory(plaintext);
        return Version + Convert.ToBase64String(output);
    }

    /// <summary>Decrypts; throws <see cref="CryptographicException"/> when the value was tampered with, belongs to
    /// another account, or was encrypted with another key.</summary>
    public string Unprotect(string protectedSecret, string accountId)
    {
        if (!protectedSecret.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("the stored secret has an unknown format");
        }

        var input = Convert.FromBase64String(protectedSecret[Version.Length..]);
        if (input.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("the stored secret is truncated");
        }

        var plaintext = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(accountId));
        return Encoding.UTF8.GetString(plaintext);
    }
}
