using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using static ActorTrading.Trading.AccountEvents;
using static ActorTrading.Trading.AccountProtocol;

namespace ActorTrading.Trading;

/// <summary>One trader's exchange account: its venue, testnet flag and key pair, the secret encrypted at rest.</summary>
/// <remarks>Matched in switches rather than declared handlers, like <see cref="SubscriptionEntity"/>: there is one per
/// subscriber, alive as long as it.</remarks>
public sealed class ExchangeAccountEntity : PersistentActor
{
    private readonly SecretProtector _protector;
    private readonly TimeProvider _time;
    private AccountRegistered? _account;
    private bool _deleted;

    /// <summary>Creates the entity.</summary>
    public ExchangeAccountEntity(string accountId, SecretProtector protector)
    {
        AccountId = accountId;
        PersistenceId = "account-" + accountId;
        _protector = protector;
        _time = Context.System.TimeProvider;
    }

    /// <inheritdoc/>
    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case AccountRegistered registered: _account = registered; break;
            case AccountCredentialsChanged changed: _account = _account! with { ApiKey = changed.ApiKey, ProtectedSecret = changed.ProtectedSecret }; break;
            case AccountDeleted: _deleted = true; break;
        }

        return true;
    }

    /// <inheritdoc/>
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case RegisterAccount register: Register(register); break;
            case DeleteAccount delete: Delete(delete.ReplyTo); break;
            case GetAccount get:
                get.ReplyTo.Tell(
                    _account is { } a ? new CurrentAccount(AccountId, a.OwnerId, a.Exchange, a.Testnet, a.ApiKey, _deleted) : new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist"),
                    Self);
                break;
            case GetStoredCredentials credentials:
                credentials.ReplyTo.Tell(
                    _account is { } stored && !_deleted
                        ? new StoredCredentials(AccountId, stored.Exchange, stored.Testnet, stored.ApiKey, stored.ProtectedSecret)
                        : new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist or was deleted"),
                    Self);
                break;
            case TradingRegions.StopEntity: Context.Stop(Self); break;
            default: return false;
        }

        return true;
    }

    private void Register(RegisterAccount command)
    {
        if (_account is not null)
        {
            command.ReplyTo.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"account {AccountId} already exists"), Self);
            return;
        }

        Persist(new AccountRegistered(AccountId, command.OwnerId, command.Exchange, command.Testnet, command.ApiKey, _protector.Protect(command.ApiSecret, AccountId), _time.GetUtcNow()), e =>
        {
            _account = e;
            command.ReplyTo.Tell(new Ok(AccountId), Self);
        });
    }

    private void Delete(IActorRef replyTo)
    {
        if (_account is null || _deleted)
        {
            replyTo.Tell(new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist"), Self);
            return;
        }

        Persist(new AccountDeleted(_time.GetUtcNow()), _ =>
        {
            _deleted = true;
            replyTo.Tell(new Ok(AccountId), Self);
        });
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>The account's id.</summary>
    public string AccountId { get; }

    /// <summary>Props for the account region.</summary>
    public static Props Props(string accountId, SecretProtector protector) => Actors.Props.Create(() => new ExchangeAccountEntity(accountId, protector));
}

/// <summary>The account directory backed by the account entities: credentials are decrypted only here, in memory.</summary>
public sealed class EntityAccountDirectory(IActorRef accountRegion, SecretProtector protector, TimeSpan timeout) : IAccountDirectory
{
    /// <inheritdoc/>
    public async Task<(Exchanges.ExchangeName Exchange, Exchanges.ExchangeCredentials Credentials)> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        var reply = await accountRegion.Ask<object>(replyTo => new GetStoredCredentials(accountId, replyTo), timeout, cancellationToken);
        return reply switch
        {
            StoredCredentials stored => (stored.Exchange, new Exchanges.ExchangeCredentials(stored.ApiKey, protector.Unprotect(stored.ProtectedSecret, accountId), stored.Testnet)),
            BotProtocol.Rejected rejected => throw new InvalidOperationException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }
}
