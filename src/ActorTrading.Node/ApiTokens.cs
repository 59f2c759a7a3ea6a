using System.Security.Cryptography;
using System.Text;
using ActorTrading.Trading;

namespace ActorTrading.Node;

/// <summary>The API's bearer tokens, by their SHA-256 (<see cref="TokenHash"/>): the admin token's, and each user's, as its claim has it.</summary>
public sealed class ApiTokens(string adminTokenSha256, ClaimRegistry claims)
{
    /// <summary>Whether <paramref name="presentedSha256"/> is the admin token's hash (compared in constant time).</summary>
    public bool IsAdmin(string presentedSha256) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presentedSha256), Encoding.ASCII.GetBytes(adminTokenSha256));

    /// <summary>The user whose API token hashes to <paramref name="tokenSha256"/>, as its claim has it (the same on every node).</summary>
    public Task<string?> UserIdAsync(string tokenSha256, CancellationToken cancellationToken) =>
        claims.OwnerAsync(ClaimKeys.UserToken(tokenSha256), cancellationToken);
}
