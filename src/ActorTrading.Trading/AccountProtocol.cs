using ActorTrading.Actors;
using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>The exchange account entity's protocol.</summary>
public static class AccountProtocol
{
    /// <summary>Messages for an account entity carry its id.</summary>
    public interface IWithAccountId
    {
        /// <summary>The account.</summary>
        string AccountId { get; }
    }

    /// <summary>Registers the account; the secret arrives in clear and is stored encrypted.</summary>
    public sealed record RegisterAccount(string AccountId, string OwnerId, ExchangeName Exchange, bool Testnet, string ApiKey, string ApiSecret, IActorRef ReplyTo) : IWithAccountId
    {
        /// <inheritdoc/>
        public override string ToString() => $"RegisterAccount {{ AccountId = {AccountId}, OwnerId = {OwnerId}, Exchange = {Exchange}, Testnet = {Testnet}, ApiSecret = *** }}";
    }

    /// <summary>Deletes the account.</summary>
    public sealed record DeleteAccount(string AccountId, IActorRef ReplyTo) : IWithAccountId;

    /// <summary>Asks for the account (never the secret); answered with <see cref="CurrentAccount"/> or <see cref="BotProtocol.Rejected"/>.</summary>
    public sealed record GetAccount(string AccountId, IActorRef ReplyTo) : IWithAccountId;

    /// <summary>For the account directory only: answered with <see cref="StoredCredentials"/>.</summary>
    public sealed record GetStoredCredentials(string AccountId, IActorRef ReplyTo) : IWithAccountId;

    /// <summary>The account as the owner may see it.</summary>
    public sealed record CurrentAccount(string AccountId, string OwnerId, ExchangeName Exchange, bool Testnet, string ApiKey, bool Deleted);

    /// <summary>The encrypted credentials.</summary>
    public sealed record StoredCredentials(string AccountId, ExchangeName Exchange, bool Testnet, string ApiKey, string ProtectedSecret);

    /// <summary>Done.</summary>
    public sealed record Ok(string AccountId);
}
