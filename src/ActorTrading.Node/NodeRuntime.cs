using System.Collections.Concurrent;
using System.Data.Common;
using System.Security.Cryptography;
using ActorTrading.Actors;
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
    // How long a look-up of a claim may take: the webhook answers well within TradingView's 3 s, and an API call stays short.
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(2);

    // Webhook path → bot of every path that has served a signal here (see PathServed): one entry per live bot path.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _servedPaths = new(StringComparer.Ordinal);

    // Subscriptions on threads of their own (one per processor): a fan-out to thousands of them does not hold up other bots'
    // webhooks, the journal and the projections, which stay on the thread pool.
    private const string SubscriptionDispatcher = "subscriptions";
    private readonly CancellationTokenSource _stopping = new();
    private Task _paperMarket = Task.CompletedTask;

    private NodeRuntime(NodeOptions options, ActorSystem system, DurableStores stores, TradingRegions regions, IActorRef accounts, IActorRef users,
        IActorRef claims, ProjectionRunner readModel, ProjectionRunner operationLog, PaperExchange paper, string adminTokenSha256)
    {
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
        AdminTokenSha256 = adminTokenSha256;
        Queries = new ReadQueries(stores.ProjectionStore);
    }

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

    /// <summary>SHA-256 (hex) of the admin token.</summary>
    public string AdminTokenSha256 { get; }

    /// <summary>Starts everything (<paramref name="prices"/> and <paramref name="exchanges"/> replace the paper market and the exchange settings from the environment, for tests); <paramref name="announce"/> receives start-up lines (the one-time admin token when one is generated).</summary>
    public static async Task<NodeRuntime> StartAsync(NodeOptions options, ILoggerFactory loggerFactory, Action<string> announce, IPriceSource? prices = null, ExchangeClientSettings? exchanges = null)
    {
        options.Validate();
        OwnerOnlyFiles.CreateDirectory(options.DataDirectory);

        // First, so that a second node on the store is refused before it writes anything (a generated token, a key).
        var stores = await DurableStores.OpenAsync(
            new DurableStoreOptions { DataDirectory = options.DataDirectory, PostgresConnectionString = options.Postgres },
            TradingSerializer.Create(JournalPaperAccountStore.Register(ActorTrading.Persistence.EventSerializer.Create())));
        announce($"durable store: {stores.Description}");
        var adminTokenSha256 = AdminToken(options, announce);
        var protector = SecretKey(options, announce);
        var system = ActorSystem.Create("actortrading", new ActorSystemSettings
        {
            LoggerFactory = loggerFactory,
            Dispatchers = new Dictionary<string, int> { [SubscriptionDispatcher] = Math.Min(Environment.ProcessorCount, 64) },
        });
        ActorTrading.Actors.Persistence.Persistence.Get(system).Use(stores.Journal, stores.SnapshotStore);

        var paper = await PaperExchange.OpenAsync(prices ?? (options.PaperPrices == NodeOptions.FixedPaperPrices ? new FixedPrices() : new RandomWalkPrices()),
            new JournalPaperAccountStore(stores.Journal), new PaperExchangeSettings());
        var factory = new ExchangeAccountFactory(exchanges ?? ExchangeClientSettings.FromEnvironment(), credentials => paper.Account(credentials.ApiKey));
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
        var runtime = new NodeRuntime(options, system, stores, regions, accounts, users, claims, readModel, operationLog, paper, adminTokenSha256);
        await readModel.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(5));
        await runtime.BackfillClaimsAsync();
        await runtime.WakeBotsStillFanningOutAsync();
        if (paper.Prices is IMovingPriceSource moving)
        {
            runtime._paperMarket = runtime.RunPaperMarketAsync(moving, options.PaperPriceStep, loggerFactory.CreateLogger("ActorTrading.PaperExchange"));
        }

        return runtime;
    }

    /// <summary>The bot behind a webhook path, as its claim has it (the same on every node, at once), or as a signal through
    /// it here learned it (<see cref="PathServed"/>).</summary>
    public async ValueTask<string?> BotIdForPathAsync(string path, CancellationToken cancellationToken) =>
        _servedPaths.TryGetValue(path, out var botId) ? botId : await OwnerAsync(ClaimKeys.WebhookPath(path), cancellationToken);

    /// <summary>
    /// The bot of <paramref name="path"/> has accepted a signal through it. Its later signals then go to the bot at once, in
    /// the order they arrive, without a round trip to the path's claim: one that two requests in flight for one bot would
    /// each take, and could finish in either order. Exact, not a guess: a path's owner never changes once its bot exists
    /// (a path is freed only when its bot's creation failed). Learned from the claim at each node's first signal.
    /// </summary>
    public void PathServed(string path, string botId) => _servedPaths.TryAdd(path, botId);

    /// <summary>The user whose API token hashes to <paramref name="tokenSha256"/>, as its claim has it.</summary>
    public async Task<string?> UserIdForTokenAsync(string tokenSha256, CancellationToken cancellationToken) =>
        await OwnerAsync(ClaimKeys.UserToken(tokenSha256), cancellationToken);

    /// <summary>Claims <paramref name="key"/> for <paramref name="owner"/>: null when it is now theirs, else who holds it.</summary>
    public async Task<ClaimProtocol.Taken?> ClaimAsync(string key, string owner, CancellationToken cancellationToken, string? replacing = null) =>
        await Claims.Ask<object>(replyTo => new ClaimProtocol.Claim(key, owner, replyTo, replacing), ClaimTimeout, cancellationToken) switch
        {
            ClaimProtocol.Claimed => null,
            ClaimProtocol.Taken taken => taken,
            var reply => throw new InvalidOperationException($"unexpected answer to a claim: {reply.GetType().Name}"),
        };

    /// <summary>Frees <paramref name="key"/> if <paramref name="owner"/> holds it.</summary>
    public Task ReleaseAsync(string key, string owner, CancellationToken cancellationToken) =>
        Claims.Ask<object>(replyTo => new ClaimProtocol.Release(key, owner, replyTo), ClaimTimeout, cancellationToken);

    private async Task<string?> OwnerAsync(string key, CancellationToken cancellationToken) =>
        await Claims.Ask<object>(replyTo => new ClaimProtocol.GetClaim(key, replyTo), ClaimTimeout, cancellationToken) is ClaimProtocol.CurrentClaim current
            ? current.Owner
            : throw new InvalidOperationException($"unexpected answer to GetClaim({key})");

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
        await Stores.DisposeAsync();
    }

    // The paper market moves by itself: each step moves the prices, then fires the stop-losses and take-profits they cross.
    private async Task RunPaperMarketAsync(IMovingPriceSource prices, TimeSpan step, ILogger logger)
    {
        using var timer = new PeriodicTimer(step);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    prices.Step();
                    await Paper.CheckTriggersAsync();
                }
                catch (Exception error)
                {
                    logger.LogError(error, "The paper market's step failed; the next one tries again");
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
    // start cut short simply does it again.
    private async Task BackfillClaimsAsync()
    {
        if (await OwnerAsync(ClaimKeys.Backfilled, CancellationToken.None) is not null)
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
            await ClaimAsync(key, owner, CancellationToken.None);
        }

        await ClaimAsync(ClaimKeys.Backfilled, "done", CancellationToken.None);
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

    private static string AdminToken(NodeOptions options, Action<string> announce)
    {
        if (options.AdminToken is { } configured)
        {
            return Sha256(configured);
        }

        var file = Path.Combine(options.DataDirectory, "admin-token.sha256");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var token = "at_admin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        WritePrivate(file, Sha256(token));
        announce($"generated admin token (shown once, only its hash is kept in {file}): {token}");
        return Sha256(token);
    }

    private static SecretProtector SecretKey(NodeOptions options, Action<string> announce)
    {
        if (options.SecretKey is { } configured)
        {
            return SecretProtector.FromBase64(configured);
        }

        var file = Path.Combine(options.DataDirectory, "secret.key");
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

    internal static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(global::System.Text.Encoding.UTF8.GetBytes(value)));
}
