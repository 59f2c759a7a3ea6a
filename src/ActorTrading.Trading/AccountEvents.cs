using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>What an exchange account entity stores. The API secret only ever as <see cref="SecretProtector"/> ciphertext.</summary>
public static class AccountEvents
{
    /// <summary>A trader registered an exchange account.</summary>
    public sealed record AccountRegistered(string AccountId, string OwnerId, ExchangeName Exchange, bool Testnet, string ApiKey, string ProtectedSecret, DateTimeOffset At);

    /// <summary>New key pair.</summary>
    public sealed record AccountCredentialsChanged(string ApiKey, string ProtectedSecret, DateTimeOffset At);

    /// <summary>The account may no longer be used.</summary>
    public sealed record AccountDeleted(DateTimeOffset At);
}
