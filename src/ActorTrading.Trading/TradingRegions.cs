using ActorTrading.Actors;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Trading;

/// <summary>Settings of the trading entities.</summary>
public sealed record TradingSettings
{
    /// <summary>Shards per entity type (fixed for the life of the data). Default 100.</summary>
    public int NumberOfShards { get; init; } = 100;

    /// <summary>Entities idle this long are passivated. Default 10 minutes.</summary>
    public TimeSpan PassivateIdleEntityAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>First restart delay of a crashed entity. Default 200 ms.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest restart delay. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a bot tells a signal again to the subscriptions whose receipt it still waits for (a receipt lost
    /// between nodes, a subscription that crashed before it stored its outcome). At most half of
    /// <see cref="PassivateIdleEntityAfter"/>. Default 10 s.</summary>
    public TimeSpan SignalResendInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after accepting a signal a bot records the subscriptions that have not recorded their outcome as
    /// unanswered (<see cref="BotEvents.FanOutTimedOut"/>): still told, they no longer hold up the others. Longer than
    /// <see cref="SignalResendInterval"/>. Default 1 hour: a subscription whose exchange fails answers with a failed outcome
    /// long before; only one that crashes on every message, or cannot be reached, is silent that long.</summary>
    public TimeSpan SignalReceiptTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The actor system's dispatcher (<see cref="ActorSystemSettings.Dispatchers"/>) that runs the subscription entities
    /// (and their accounts' gateways), or
    /// null for the thread pool. A fan-out wakes thousands of them at once; on a dispatcher of their own they queue behind
    /// each other, not ahead of other bots' webhooks, the journal and the projections. Default null.</summary>
    public string? SubscriptionDispatcher { get; init; }
}

/// <summary>The bot and subscription shard regions, wired to each other.</summary>
public sealed record TradingRegions(IActorRef Bots, IActorRef Subscriptions)
{
    /// <summary>The message that passivates an entity for good (its backoff supervisor does not restart it).</summary>
    public sealed record StopEntity
    {
        /// <summary>The one instance.</summary>
        public static readonly StopEntity Instance = new();
    }

    /// <summary>
    /// Starts both regions, and the account gateway region of <paramref name="gateways"/> (one door per account). Each entity runs under a backoff supervisor that restarts it when it stops or
    /// fails (a persist failure, a bug), so one entity's crash never touches another (invariant I4).
    /// <paramref name="subscriptionProps"/> can replace how a subscription entity is made (tests).
    /// </summary>
    public static TradingRegions Start(ActorSystem system, AccountGateways gateways, TradingSettings? settings = null,
        Func<string, IActorRef, Props>? subscriptionProps = null)
    {
        settings ??= new TradingSettings();
        if (settings.SignalResendInterval <= TimeSpan.Zero || settings.SignalResendInterval > settings.PassivateIdleEntityAfter / 2)
        {
            // A bot waiting for receipts keeps itself from being passivated with each resend: at least two per idle period,
            // so that one late resend (a stalled machine) does not let the shard stop it.
            throw new ArgumentOutOfRangeException(nameof(settings), settings.SignalResendInterval,
                $"SignalResendInterval must be positive and at most half of PassivateIdleEntityAfter ({settings.PassivateIdleEntityAfter})");
        }

        if (settings.SignalReceiptTimeout <= settings.SignalResendInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.SignalReceiptTimeout,
                $"SignalReceiptTimeout must be longer than SignalResendInterval ({settings.SignalResendInterval})");
        }

        // First: subscriptions call their accounts through it from their first signal on.
        gateways.StartRegion(system, settings);
        IActorRef? bots = null;
        IActorRef? subscriptions = null;

        Props SubscriptionProps(string id) => SubscriptionEntity.Props(id, gateways, bots!) is var props && settings.SubscriptionDispatcher is { } dispatcher
            ? props.WithDispatcher(dispatcher)
            : props;

        // The factories run when an entity starts, after both regions exist.
        subscriptions = StartRegion(system, "subscription", id => subscriptionProps?.Invoke(id, bots!) ?? SubscriptionProps(id),
            new SubscriptionMessageExtractor(settings.NumberOfShards), settings);
        bots = StartRegion(system, "bot", id => BotEntity.Props(id, subscriptions, bots!, settings.SignalResendInterval, settings.SignalReceiptTimeout),
            new BotMessageExtractor(settings.NumberOfShards), settings);
        return new TradingRegions(bots, subscriptions);
    }

    /// <summary>
    /// Starts the region of one entity type, every entity under a backoff supervisor that restarts it when it stops or fails
    /// (a persist failure, a bug), and passivated when idle; <see cref="StopEntity"/> stops it for good.
    /// </summary>
    public static IActorRef StartRegion(ActorSystem system, string typeName, Func<string, Props> entityProps, IMessageExtractor extractor, TradingSettings settings) =>
        ClusterSharding.Get(system).Start(
            typeName,
            id => BackoffSupervisor.Props(
                BackoffOptions.OnStop(entityProps(id), typeName, settings.MinBackoff, settings.MaxBackoff, randomFactor: 0.2)
                    with { FinalStopMessage = message => message is StopEntity }),
            new ClusterShardingSettings { PassivateIdleEntityAfter = settings.PassivateIdleEntityAfter },
            extractor,
            StopEntity.Instance);

    /// <summary>Starts the exchange account region (before the others: their gateways read credentials from it).</summary>
    public static IActorRef StartAccounts(ActorSystem system, SecretProtector protector, TradingSettings? settings = null)
    {
        settings ??= new TradingSettings();
        return StartRegion(system, "account", id => ExchangeAccountEntity.Props(id, protector), new AccountMessageExtractor(settings.NumberOfShards), settings);
    }
}
