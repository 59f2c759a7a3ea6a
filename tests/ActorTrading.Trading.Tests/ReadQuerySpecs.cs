using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Hosting;
using ActorTrading.Persistence.Projections;
using ActorTrading.ReadModel;
using ActorTrading.TestSupport;
using static ActorTrading.Trading.AccountEvents;
using static ActorTrading.Trading.BotEvents;
using static ActorTrading.Trading.SubscriptionEvents;
using static ActorTrading.Trading.UserEvents;

namespace ActorTrading.Trading.Tests;

/// <summary>The read model's typed queries: the same rows on SQLite and PostgreSQL (SQLite keeps decimals and times as text,
/// booleans as integers), and an owner's lists holding only what they own.</summary>
public sealed class ReadQuerySpecs : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-readqueries-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, long> _sequence = [];
    private TestDatabase? _database;
    private DurableStores? _stores;
    private ProjectionRunner? _runner;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_queries_answer_the_same_typed_rows_on_either_store_and_an_owner_only_their_own(bool postgres)
    {
        var queries = await ProjectAsync(postgres,
            ("bot-b1", new BotCreated("b1", "Trend", "a bot", "futures", "trend-1", "hash", new TradingParameters(10, 100.5m, 2.25m, null), TimeSpan.FromMinutes(2), T0)),
            ("bot-b1", new BotPaused(T0.AddMinutes(1))),
            ("user-u1", new UserCreated("u1", "alice", "token-hash", T0)),
            ("account-a1", new AccountRegistered("a1", "u1", ExchangeName.Paper, true, "key-1", "protected", T0)),
            ("account-a2", new AccountRegistered("a2", "u2", ExchangeName.Binance, false, "key-2", "protected", T0.AddSeconds(1))),
            ("account-a3", new AccountRegistered("a3", "u1", ExchangeName.Bybit, false, "key-3", "protected", T0.AddSeconds(2))),
            ("account-a3", new AccountDeleted(T0.AddSeconds(3))),
            ("subscription-s1", new SubscriptionCreated("s1", "u1", "b1", "a1", ExchangeName.Paper, new ParameterOverrides(MarginUsd: 60.75m), new RiskLimits(500m, null), T0)),
            ("subscription-s2", new SubscriptionCreated("s2", "u2", "b1", "a2", ExchangeName.Binance, ParameterOverrides.None, RiskLimits.None, T0.AddSeconds(1))),
            ("subscription-s2", new SubscriptionCancelled(T0.AddSeconds(2))),
            ("bot-b1", new SignalAccepted("sig-1", new Signal("BTCUSDT", SignalAction.Buy, 64_000.5m, "tv-1", null), T0.AddMinutes(2), 2)),
            ("subscription-s1", new SignalCompleted("sig-1", "b1", ExecutionStatus.Executed, null, "42", 64_001.25m, 0.015m, 7, T0.AddMinutes(3))));

        var bot = (await queries.BotsAsync(CancellationToken.None)).ShouldHaveSingleItem();
        bot.ShouldBe(new BotRow("b1", "Trend", "a bot", "futures", "trend-1", 10, 100.5m, 2.25m, null, 120, false, 0, T0, T0.AddMinutes(1)));
        (await queries.BotExistsAsync("b1", CancellationToken.None), await queries.BotExistsAsync("b2", CancellationToken.None)).ShouldBe((true, false));
        (await queries.WebhookPathsAsync(CancellationToken.None)).ShouldBe([("trend-1", "b1")]);
        (await queries.UserTokensAsync(CancellationToken.None)).ShouldBe([("token-hash", "u1")]);

        (await queries.ExchangeAccountsAsync(null, CancellationToken.None)).Select(a => a.AccountId).ShouldBe(["a1", "a2"]);
        (await queries.ExchangeAccountsAsync("u1", CancellationToken.None)).ShouldBe([new ExchangeAccountRow("a1", "u1", "paper", true, "key-1", false, T0, T0)]);

        (await queries.SubscriptionsAsync(null, CancellationToken.None)).Select(s => (s.SubscriptionId, s.Status)).ShouldBe([("s1", "active"), ("s2", "cancelled")]);
        (await queries.SubscriptionsAsync("u2", CancellationToken.None)).Select(s => s.SubscriptionId).ShouldBe(["s2"]);
        (await queries.SubscriptionsAsync("u1", CancellationToken.None)).ShouldHaveSingleItem().ShouldBe(new SubscriptionRow(
            "s1", "u1", "b1", "a1", "paper", null, 60.75m, null, null, 500m, null, "active", 1, 1, 0, 0, T0.AddMinutes(3), T0, T0.AddMinutes(3)));
        (await queries.LiveSubscriptionsAsync(CancellationToken.None)).ShouldBe([new LiveSubscription("b1", "a1", "s1")]);

        (await queries.SignalAsync("sig-1", CancellationToken.None)).ShouldBe(new SignalRow("sig-1", "b1", "BTCUSDT", "buy", 64_000.5m, "tv-1", T0.AddMinutes(2), 2, null));
        (await queries.SignalAsync("sig-2", CancellationToken.None)).ShouldBeNull();
        (await queries.ExecutionsAsync("sig-1", CancellationToken.None)).ShouldBe([new ExecutionRow("sig-1", "s1", "b1", "executed", null, "42", 64_001.25m, 0.015m, 7, T0.AddMinutes(3))]);
        (await queries.SignalOutcomesAsync("sig-1", CancellationToken.None)).ShouldBe(new SignalOutcomes(true, 2, 1, 1, 0, 0, 0, 0));
        (await queries.SignalOutcomesAsync("sig-2", CancellationToken.None)).ShouldBe(new SignalOutcomes(false, 0, 0, 0, 0, 0, 0, 0));
        (await queries.BotsStillFanningOutAsync(CancellationToken.None)).ShouldBe(["b1"]);
    }

    /// <summary>Writes <paramref name="events"/> to a new journal as the entities named would, and projects them.</summary>
    private async Task<ReadQueries> ProjectAsync(bool postgres, params (string PersistenceId, object Event)[] events)
    {
        var options = new DurableStoreOptions { DataDirectory = _dataDirectory };
        if (postgres)
        {
            _database = await TestDatabase.CreateAsync("readqueries");
            options = options with { PostgresConnectionString = _database.ConnectionString };
        }

        _stores = await DurableStores.OpenAsync(options, TradingSerializer.Create());
        foreach (var (persistenceId, @event) in events)
        {
            var nr = _sequence[persistenceId] = _sequence.GetValueOrDefault(persistenceId) + 1;
            (await _stores.Journal.WriteMessagesAsync([new AtomicWrite([new Persistent(@event, persistenceId, nr, "w", T0, new HashSet<string>())])]))
                .ShouldAllBe(error => error == null);
        }

        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        return new ReadQueries(_stores.ProjectionStore);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }

        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
