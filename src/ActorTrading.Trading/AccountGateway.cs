using System.Collections.Concurrent;
using ActorTrading.Actors;
using ActorTrading.Actors.Sharding;
using ActorTrading.Domain;
using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>Finds an exchange account's venue and decrypted credentials by id.</summary>
public interface IAccountDirectory
{
    /// <summary>The account, or an exception naming why it cannot be used.</summary>
    Task<(ExchangeName Exchange, ExchangeCredentials Credentials)> GetAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>Settings of account gateways.</summary>
public sealed record AccountGatewaySettings
{
    /// <summary>Longest an exchange call may take; after it the outcome is unknown. Default 10 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a caller waits for its call's turn and answer, calls of the account's other subscriptions ahead of
    /// it included; after it the outcome is unknown (the call may still run). Default 5 minutes: a bound for a gateway that
    /// cannot answer at all, not a time limit of calls (that is <see cref="CallTimeout"/>). Only for calls asked through an
    /// <see cref="AccountGateway"/>: a subscription tells its calls (<see cref="AccountGatewayProtocol.Call"/>), and the gateway
    /// answers every call it takes.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// A caller's handle on the one door to one exchange account: the account's <see cref="AccountGatewayEntity"/>, wherever
/// it runs. Calls are serialized there (two subscriptions on one account never race each other's orders), each has a time
/// limit after which its outcome counts as unknown (the clients cache the symbol filters, per venue host), and it
/// remembers the leverage it last set per symbol: the account's, whichever subscription set it. The handle itself holds
/// nothing but the address.
/// </summary>
public sealed class AccountGateway
{
    private readonly IActorRef _region;
    private readonly AccountGatewaySettings _settings;

    internal AccountGateway(string accountId, IActorRef region, AccountGatewaySettings settings)
    {
        AccountId = accountId;
        _region = region;
        _settings = settings;
    }

    /// <summary>The account.</summary>
    public string AccountId { get; }

    /// <summary>Runs one call on the account, alone and within the time limit.</summary>
    public async Task<T> RunAsync<T>(Func<IExchangeAccount, CancellationToken, Task<T>> call, CancellationToken cancellationToken = default) =>
        await AskAsync(new AccountGatewayProtocol.Run(AccountId, async (account, token) => new Answer<T>(await call(account, token))), cancellationToken) is Answer<T> answer
            ? answer.Value
            : throw new InvalidOperationException($"the gateway of account {AccountId} answered a call with something else");

    /// <summary>Everything the planner needs about the account and the symbol, read in one turn.</summary>
    public Task<MarketState> ReadMarketAsync(string symbol, CancellationToken cancellationToken = default) =>
        ReadMarketAsync(symbol, withRealizedPnl: true, cancellationToken);

    /// <summary>
    /// Everything the planner needs about the account and the symbol, read in one turn; the realized profit and loss of the day
    /// only <paramref name="withRealizedPnl"/> (a daily-loss limit needs it; nothing else does, and on Binance it is the
    /// costliest read: weight 30 of the IP's 2,400 a minute). Without it <see cref="MarketState.RealizedPnlToday"/> is 0.
    /// </summary>
    public async Task<MarketState> ReadMarketAsync(string symbol, bool withRealizedPnl, CancellationToken cancellationToken = default) =>
        await AskAsync(new AccountGatewayProtocol.ReadMarket(AccountId, symbol, withRealizedPnl), cancellationToken) as MarketState
            ?? throw new InvalidOperationException($"the gateway of account {AccountId} answered a market read with something else");

    /// <summary>
    /// Places a market order, in the same turn setting the symbol's leverage first when <paramref name="leverage"/> is given and
    /// differs from what this account last set (through its gateway: the first order after the gateway starts sets it). In one
    /// turn, another subscription on the account cannot change the leverage between the two. A set that fails throws
    /// <see cref="LeverageNotSetException"/>, and nothing is placed.
    /// </summary>
    public async Task<PlacedOrder> PlaceMarketOrderAsync(MarketOrderRequest request, int? leverage, CancellationToken cancellationToken = default) =>
        await AskAsync(new AccountGatewayProtocol.PlaceMarketOrder(AccountId, request, leverage), cancellationToken) as PlacedOrder
            ?? throw new InvalidOperationException($"the gateway of account {AccountId} answered an order with something else");

    private async Task<object?> AskAsync(object command, CancellationToken cancellationToken)
    {
        try
        {
            return (await _region.Ask<Status.Success>(command, _settings.AnswerTimeout, cancellationToken)).Status;
        }
        catch (AskTimeoutException timeout)
        {
            // The call may have run, or may still: its outcome is unknown (what a subscription makes of any error that is not
            // the venue's), never "not placed".
            throw new TimeoutException($"outcome unknown: the gateway of account {AccountId} gave no answer within {_settings.AnswerTimeout.TotalSeconds:0.#} s", timeout);
        }
    }

    // A call's result, null or not, as one non-null answer.
    private sealed record Answer<T>(T Value);
}

/// <summary>A market order the exchange confirmed, and whether its leverage was set for it.</summary>
public sealed record PlacedOrder(ExchangeOrder Order, bool LeverageSet);

/// <summary>The leverage an order needed could not be set; the order was not placed.</summary>
public sealed class LeverageNotSetException(string symbol, int leverage, Exception error)
    : Exception($"could not set leverage {leverage}x on {symbol}: {error.Message}", error)
{
    /// <summary>The symbol.</summary>
    public string Symbol { get; } = symbol;

    /// <summary>The leverage wanted.</summary>
    public int Leverage { get; } = leverage;
}

/// <summary>
/// The account gateways: how their entities read credentials and open clients, and, once <see cref="TradingRegions.Start"/>
/// has started their region (<c>account-gateway</c>), the handle of each account's.
/// </summary>
public sealed class AccountGateways(IAccountDirectory directory, IExchangeAccountFactory factory, AccountGatewaySettings settings, TimeProvider time)
{
    // Handles only (an address each): the facts live in the entities.
    private readonly ConcurrentDictionary<string, Task<AccountGateway>> _handles = new(StringComparer.Ordinal);
    private IActorRef? _region;

    /// <summary>The gateway region (after <see cref="TradingRegions.Start"/>).</summary>
    public IActorRef Region => _region ?? throw new InvalidOperationException("the account gateway region is not started: start the trading regions first");

    /// <summary>The gateway of <paramref name="accountId"/>; completed at once (the entity reads the account at its first call).</summary>
    public Task<AccountGateway> ForAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var region = Region;
        return _handles.GetOrAdd(accountId, static (id, state) => Task.FromResult(new AccountGateway(id, state.region, state.settings)), (region, settings));
    }

    /// <summary>Makes the gateway forget the account's client (credentials changed or the account was deleted).</summary>
    public void Forget(string accountId) => Region.Tell(new AccountGatewayProtocol.Forget(accountId), null);

    internal void StartRegion(ActorSystem system, TradingSettings tradingSettings)
    {
        if (_region is not null)
        {
            throw new InvalidOperationException("the account gateway region is already started");
        }

        // Not under a backoff supervisor, unlike the persistent entities: a gateway stores nothing and answers every call's
        // failure itself, so the shard's restart is all a crash (a bug) needs, and every exchange call saves the hop through
        // it. On the subscriptions' dispatcher: the two answer each other, and the thread pool stays free for the webhooks.
        Props GatewayProps(string id) => AccountGatewayEntity.Props(id, directory, factory, settings, time) is var props
            && tradingSettings.SubscriptionDispatcher is { } dispatcher
            ? props.WithDispatcher(dispatcher)
            : props;

        _region = ClusterSharding.Get(system).Start("account-gateway", GatewayProps,
            new ClusterShardingSettings { PassivateIdleEntityAfter = tradingSettings.PassivateIdleEntityAfter },
            new AccountMessageExtractor(tradingSettings.NumberOfShards), TradingRegions.StopEntity.Instance,
            // Every node its own gateways, next to the subscriptions they serve: a gateway stores nothing and carries delegates.
            new LocalShardAllocator(system.Address));
    }
}
