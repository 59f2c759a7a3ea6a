using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using ActorTrading.Actors;
using ActorTrading.Actors.Event;
using ActorTrading.Cluster;
using ActorTrading.Cluster.Hosting;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Exchanges.Transport;
using ActorTrading.Persistence.Hosting;
using ActorTrading.Persistence.Projections;
using ActorTrading.Persistence.Sqlite;
using ActorTrading.ReadModel;
using ActorTrading.Trading;

namespace ActorTrading.Node;

/// <summary>
/// Everything a node runs: the stores, the actor system with the bot, subscription and account regions,
/// the projections, the paper exchange and the webhook paths. Started once at boot; stopped by coordinated
/// shutdown (shards hand off, then the stores close).
/// </summary>
public sealed class NodeRuntime : IAsyncDisposable
{
    // Subscriptions on threads of their own (one per processor): a fan-out to thousands of them does not hold up other bots'
    // webhooks, the journal and the projections, which stay on the thread pool.
    private const string SubscriptionDispatcher = "subscriptions";
    private readonly CancellationTokenSource _stopping = new();
    private Task _paperMarket = Task.CompletedTask;

    private NodeRuntime(NodeOptions options, ActorSystem system, DurableStores stores, TradingRegions regions, IActorRef accounts, IActorRef users,
        IActorRef claims, ProjectionRunner readModel, ProjectionRunner operationLog, PaperExchange paper, string adminTokenSha256, ClusterMember? cluster)
    {
        Cluster = cluster;
        Users = users;
        Claims = claims;
        Options = options;
        System = system;
        Stores = stores;
        Regions = regions;
        Accounts = accounts;
        ReadModel = readModel;
        OperationLog = operationLog;
        Paper = paper;
        Queries = new ReadQueries(stores.ProjectionStore);
        Entities = new EntityRegions(regions.Bots, regions.Subscriptions, accounts, users, claims);
        ClaimRegistry = new ClaimRegistry(claims, system.TimeProvider);
        WebhookPaths = new WebhookPaths(ClaimRegistry);
        Tokens = new ApiTokens(adminTokenSha256, ClaimRegistry);
        Health = new NodeHealth(readModel, stores, system, cluster);
    }

    /// <summary>This node as a cluster member; null for a single node.</summary>
    public ClusterMember? Cluster { get; }

    /// <summary>The settings.</summary>
    public NodeOptions Options { get; }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The stores.</summary>
    public DurableStores Stores { get; }

    /// <summary>The bot and subscription regions.</summary>
    public TradingRegions Regions { get; }

    /// <summary>The exchange account region.</summary>
    public IActorRef Accounts { get; }

    /// <summary>The user region.</summary>
    public IActorRef Users { get; }

    /// <summary>The claim region: what must be unique across every node (webhook paths, token hashes, one subscription per
    /// bot and account), each decided by its own entity.</summary>
    public IActorRef Claims { get; }

    /// <summary>The trading read tables' projection.</summary>
    public ProjectionRunner ReadModel { get; }

    /// <summary>The questions the API asks of the read tables.</summary>
    public ReadQueries Queries { get; }

    /// <summary>The operation log's projection.</summary>
    public ProjectionRunner OperationLog { get; }

    /// <summary>The paper exchange (its prices move with a random walk unless a test fixes them).</summary>
    public PaperExchange Paper { get; }

    /// <summary>Every entity region, for what sends commands to entities.</summary>
    public EntityRegions Entities { get; }

    /// <summary>The claims (webhook paths, token hashes, one subscription per bot and account), asked of <see cref="Claims"/>.</summary>
    public ClaimRegistry ClaimRegistry { get; }

    /// <summary>The webhook path → bot look-up.</summary>
    public WebhookPaths WebhookPaths { get; }

    /// <summary>The admin token's hash and the users' tokens.</summary>
    public ApiTokens Tokens { get; }

    /// <summary>What the health endpoints report.</summary>
    public NodeHealth Health { get; }

    /// <summary>Starts everything with <paramref name="options"/> and the exchange clients' <paramref name="exchanges"/> (both
    /// bound and checked by <see cref="NodeServices.AddActorTrading"/>); <paramref name="prices"/> replaces the paper market
    /// (tests); <paramref name="announce"/> receives start-up lines (the one-time admin token when one is generated).</summary>
    public static async Task<NodeRuntime> StartAsync(NodeOptions options, ClusterSettings clusterSettings, ExchangeClientSettings exchanges, ILoggerFactory loggerFactory,
        Action<string> announce, IPriceSource? prices = null)
    {
        options.Validate();
        clusterSettings.Validate();
        OwnerOnlyFiles.CreateDirectory(options.DataDirectory);

        // First, so that a second node on the store is refused before it writes anything (a generated token, a key).
        var stores = await DurableStores.OpenAsync(
            new DurableStoreOptions { DataDirectory = options.DataDirectory, PostgresConnectionString = options.Postgres, Clustered = clusterSettings.Enabled },
            TradingSerializer.Create(JournalPaperAccountStore.Register(ActorTrading.Persistence.EventSerializer.Create())));
        announce($"durable store: {stores.Description}");
        var adminTokenSha256 = AdminToken(options, announce);
        var protector = SecretKey(options, announce);
        var clock = ShiftedClock.For(options.TestingClockOffset);
        var systemSettings = new ActorSystemSettings
        {
            TimeProvider = clock,
            LoggerFactory = loggerFactory,
            Dispatchers = new Dictionary<string, int> { [SubscriptionDispatcher] = Math.Min(Environment.ProcessorCount, 64) },
        };
        ClusterMember? cluster = null;
        if (clusterSettings.Enabled)
        {
            cluster = await ClusterMember.PrepareAsync(clusterSettings, options.Postgres ?? "", clusterSettings.Address ?? "", NodeCommandLine.Version, loggerFactory, clock);
            systemSettings = cluster.Configure(systemSettings, TradingMessages.Create);
        }

        var system = ActorSystem.Create(ClusterMember.SystemName, systemSettings);
        if (cluster is not null)
        {
            // Up before any region starts: the regions allocate by the leases this member may hold.
            await cluster.JoinAsync(system);
            announce($"cluster member: incarnation {cluster.Incarnation} at {clusterSettings.Address}, remoting {cluster.RemotingAddress}");
        }

        ActorTrading.Actors.Persistence.Persistence.Get(system).Use(stores.Journal, stores.SnapshotStore, cluster?.WriterLeases);

        var paper = await PaperExchange.OpenAsync(prices ?? (options.PaperPrices == NodeOptions.FixedPaperPrices ? new FixedPrices() : new RandomWalkPrices()),
            new JournalPaperAccountStore(stores.Journal), new PaperExchangeSettings());
        var factory = new ExchangeAccountFactory(exchanges, credentials => paper.Account(credentials.ApiKey));
        var accounts = TradingRegions.StartAccounts(system, protector);
        var gateways = new AccountGateways(new EntityAccountDirectory(accounts, protector, TimeSpan.FromSeconds(10)), factory, new AccountGatewaySettings(), TimeProvider.System);
        var regions = TradingRegions.Start(system, gateways, new TradingSettings { SignalReceiptTimeout = options.SignalReceiptTimeout, SubscriptionDispatcher = SubscriptionDispatcher });
        var users = UserEntity.StartRegion(system);
        var claims = ClaimEntity.StartRegion(system);
        var projectionLogger = loggerFactory.CreateLogger("ActorTrading.Projections");
        var readModel = await ProjectionRunner.StartAsync(new TradingReadModel(), stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(250), BatchSize = 2_000 }, projectionLogger);
        // Every operation on bots, subscriptions, accounts and users, and every signal a bot accepted; not the trading
        // steps and outcomes of each subscription, which bot_signal_executions holds (one signal to 10,000
        // subscriptions would otherwise copy 20,000 events into it).
        var operationLog = await ProjectionRunner.StartAsync(
            new OperationLogProjection(manifest => manifest != TradingSerializer.SignalOutcome && !TradingSerializer.SignalSteps.Contains(manifest)
                && !TradingSerializer.Claims.Contains(manifest) && !JournalPaperAccountStore.IsPaper(manifest)),
            stores.ProjectionStore, new ProjectionSettings(), projectionLogger);
        var runtime = new NodeRuntime(options, system, stores, regions, accounts, users, claims, readModel, operationLog, paper, adminTokenSha256, cluster);
        await readModel.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(5));
        await runtime.BackfillClaimsAsync(loggerFactory.CreateLogger("ActorTrading.Node"));
        await runtime.WakeBotsStillFanningOutAsync();
        if (cluster is not null)
        {
            // A node that died mid-fan-out left bots whose shards another node now takes: they are woken wherever they live.
            var sweepLogger = loggerFactory.CreateLogger("ActorTrading.Cluster");
            cluster.ShardsMayHaveMoved += () => _ = runtime.WakeBotsAfterMoveAsync(sweepLogger);
        }

        if (paper.Prices is IMovingPriceSource moving)
        {
            runtime._paperMarket = runtime.RunPaperMarketAsync(moving, options.PaperPriceStep, loggerFactory.CreateLogger("ActorTrading.PaperExchange"));
        }

        return runtime;
    }

    /// <summary>A connection for an operator's own SQL over the read tables (and the journal: on SQLite its file is attached);
    /// the API asks through <see cref="Queries"/>.</summary>
    public Task<DbConnection> OpenReadModelAsync(CancellationToken cancellationToken) => Stores.ProjectionStore.OpenReaderAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _paperMarket;
        await CoordinatedShutdown.Get(System).Run("node stopping");
        await ReadModel.DisposeAsync();
        await OperationLog.DisposeAsync();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        await Stores.DisposeAsync();
    }

    // The paper market moves by itself: each step moves the prices, then fires the stop-losses and take-profits they cross.
    private async Task RunPaperMarketAsync(IMovingPriceSource prices, TimeSpan step, ILogger logger)
    {
        using var timer = new PeriodicTimer(step);
        var outage = new OutageLog(TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    prices.Step();
                    await Paper.CheckTriggersAsync();
                    if (outage.Succeeded() is var (failures, lasted))
                    {
                        NodeLog.PaperStepRecovered(logger, failures, lasted);
                    }
                }
                catch (Exception error)
                {
                    switch (outage.Failed())
                    {
                        case (OutageReport.First, _):
                            NodeLog.PaperStepFailed(logger, error);
                            break;
                        case (OutageReport.Summary, var failures):
                            NodeLog.PaperStepStillFailing(logger, failures, outage.Interval, error.Message);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    // Versions before claims kept webhook paths and tokens in each node's memory, loaded from the read tables at start, and
    // did not keep one subscription per bot and account: what they created is claimed once (the read tables are caught up
    // by now), and the marker claim records that it was done. A repeated claim of the same owner changes nothing, so a
    // start cut short simply does it again. These asks wait the node's AskTimeout, not a request's 2 s: on a member the
    // marker's shard may first have to be allocated, or live on a busy peer.
    //
    // At start a member's shards may stop for a moment (on a starved machine one late renewal stops them until the next one
    // succeeds), and a claim asked meanwhile times out: the backfill is tried again, for at most a minute, rather than the
    // node dying of it.
    private async Task BackfillClaimsAsync(ILogger logger)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
        while (true)
        {
            try
            {
                await BackfillClaimsOnceAsync();
                return;
            }
            catch (AskTimeoutException timeout) when (Stopwatch.GetTimestamp() < deadline)
            {
                NodeLog.BackfillRetried(logger, timeout.Message);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private async Task BackfillClaimsOnceAsync()
    {
        var timeout = Options.AskTimeout;
        if (await ClaimRegistry.OwnerAsync(ClaimKeys.Backfilled, CancellationToken.None, timeout) is not null)
        {
            return;
        }

        var claims = new List<(string Key, string Owner)>();
        claims.AddRange((await Queries.WebhookPathsAsync(CancellationToken.None)).Select(bot => (ClaimKeys.WebhookPath(bot.Path), bot.BotId)));
        claims.AddRange((await Queries.UserTokensAsync(CancellationToken.None)).Select(user => (ClaimKeys.UserToken(user.TokenSha256), user.UserId)));

        // The oldest of two subscriptions of one account to one bot holds the claim; both go on trading as before.
        claims.AddRange((await Queries.LiveSubscriptionsAsync(CancellationToken.None))
            .Select(subscription => (ClaimKeys.Subscription(subscription.BotId, subscription.AccountId), subscription.SubscriptionId)));

        foreach (var (key, owner) in claims)
        {
            await ClaimRegistry.ClaimAsync(key, owner, CancellationToken.None, timeout: timeout);
        }

        await ClaimRegistry.ClaimAsync(ClaimKeys.Backfilled, "done", CancellationToken.None, timeout: timeout);
    }

    // A bot is an entity like any other: started by its first message. One whose fan-out a stop or a crash interrupted
    // finishes it when it starts (invariant I1), so it is started now rather than at its next signal, which may never come.
    private async Task WakeBotsStillFanningOutAsync()
    {
        foreach (var botId in await Queries.BotsStillFanningOutAsync(CancellationToken.None))
        {
            Regions.Bots.Tell(new BotProtocol.Wake(botId), null);
        }
    }

    private async Task WakeBotsAfterMoveAsync(ILogger logger)
    {
        try
        {
            // The read tables may be a moment behind the journal: a bot they miss now is woken by the next change, or its
            // next signal.
            await WakeBotsStillFanningOutAsync();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            NodeLog.WakeSweepFailed(logger, failure.Message);
        }
    }

    private static string AdminToken(NodeOptions options, Action<string> announce)
    {
        if (options.AdminToken is { } configured)
        {
            return TokenHash.Sha256(configured);
        }

        var file = Path.GetFullPath(Path.Combine(options.DataDirectory, "admin-token.sha256"));
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var token = "at_admin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        WritePrivate(file, TokenHash.Sha256(token));
        announce($"generated admin token (shown once, only its hash is kept in {file}): {token}");
        return TokenHash.Sha256(token);
    }

    private static SecretProtector SecretKey(NodeOptions options, Action<string> announce)
    {
        if (options.SecretKey is { } configured)
        {
            return SecretProtector.FromBase64(configured);
        }

        var file = Path.GetFullPath(Path.Combine(options.DataDirectory, "secret.key"));
        if (!File.Exists(file))
        {
            WritePrivate(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            announce($"generated the key that encrypts exchange API secrets: {file} (set ACTORTRADING_SECRET_KEY in production)");
        }

        return SecretProtector.FromBase64(File.ReadAllText(file).Trim());
    }

    private static void WritePrivate(string file, string content)
    {
        // Created 0600 before the secret is in it.
        OwnerOnlyFiles.CreateFile(file);
        File.WriteAllText(file, content);
    }
}
