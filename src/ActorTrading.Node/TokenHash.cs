using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.Node;

/// <summary>How a token is kept: only its SHA-256, so that the store never holds a usable credential.</summary>
internal static class TokenHash
{
    /// <summary>SHA-256 of <paramref name="value"/>'s UTF-8, in lower-case hex.</summary>
    public static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
