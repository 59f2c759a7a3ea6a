using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using static ActorTrading.Trading.AccountEvents;
using static ActorTrading.Trading.AccountProtocol;

namespace ActorTrading.Trading;

/// <summary>One trader's exchange account: its venue, testnet flag and key pair, the secret encrypted at rest.</summary>
public sealed class ExchangeAccountEntity : ReceivePersistentActor
{
    private readonly SecretProtector _protector;
    private AccountRegistered? _account;
    private bool _deleted;

    /// <summary>Creates the entity.</summary>
    public ExchangeAccountEntity(string accountId, SecretProtector protector)
    {
        AccountId = accountId;
        PersistenceId = "account-" + accountId;
        _protector = protector;
        var time = Context.System.TimeProvider;

        Recover<AccountRegistered>(e => _account = e);
        Recover<AccountCredentialsChanged>(e => _account = _account! with { ApiKey = e.ApiKey, ProtectedSecret = e.ProtectedSecret });
        Recover<AccountDeleted>(_ => _deleted = true);

        Command<RegisterAccount>(c =>
        {
            if (_account is not null)
            {
                Sender.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"account {AccountId} already exists"), Self);
                return;
            }

            Persist(new AccountRegistered(AccountId, c.OwnerId, c.Exchange, c.Testnet, c.ApiKey, _protector.Protect(c.ApiSecret, AccountId), time.GetUtcNow()), e =>
            {
                _account = e;
                Sender.Tell(new Ok(AccountId), Self);
            });
        });
        Command<DeleteAccount>(_ =>
        {
            if (_account is null || _deleted)
            {
                Sender.Tell(new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist"), Self);
                return;
            }

            Persist(new AccountDeleted(time.GetUtcNow()), _ =>
            {
                _deleted = true;
                Sender.Tell(new Ok(AccountId), Self);
            });
        });
        Command<GetAccount>(_ => Sender.Tell(
            _account is { } a ? new CurrentAccount(AccountId, a.OwnerId, a.Exchange, a.Testnet, a.ApiKey, _deleted) : new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist"),
            Self));
        Command<GetStoredCredentials>(_ => Sender.Tell(
            _account is { } a && !_deleted
                ? new StoredCredentials(AccountId, a.Exchange, a.Testnet, a.ApiKey, a.ProtectedSecret)
                : new BotProtocol.Rejected(RejectionKind.NotFound, $"account {AccountId} does not exist or was deleted"),
            Self));
        Command<TradingRegions.StopEntity>(_ => Context.Stop(Self));
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
        var reply = await accountRegion.Ask<object>(new GetStoredCredentials(accountId), timeout, cancellationToken);
        return reply switch
        {
            StoredCredentials stored => (stored.Exchange, new Exchanges.ExchangeCredentials(stored.ApiKey, protector.Unprotect(stored.ProtectedSecret, accountId), stored.Testnet)),
            BotProtocol.Rejected rejected => throw new InvalidOperationException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }
}
