using System.Data.Common;
using ActorTrading.Persistence.Hosting;
using ActorTrading.Persistence.Projections;
using ActorTrading.TestSupport;
using ActorTrading.ReadModel;
using static ActorTrading.Trading.BotProtocol;
using static ActorTrading.Trading.SubscriptionProtocol;

namespace ActorTrading.Trading.Tests;

public sealed class ReadModelSpecs : TestKitBase, IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-readmodel-" + Guid.NewGuid().ToString("N"));
    private TestDatabase? _database;
    private DurableStores? _stores;
    private ProjectionRunner? _runner;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Signals_outcomes_and_statistics_reach_the_read_tables(bool postgres)
    {
        _stores = await OpenStoresAsync(postgres);
        var (_, accepted) = await TradeAsync();
        await using var connection = await _stores.ProjectionStore.OpenAsync(CancellationToken.None);
        await _runner!.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        (await Scalar(connection, "SELECT subscribers FROM bots WHERE bot_id = 'b1'")).ShouldBe(2);
        (await Scalar(connection, "SELECT subscribers FROM bot_signals WHERE signal_id = '" + accepted.SignalId + "'")).ShouldBe(2);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE status = 'executed' AND subscription_id = 's1'")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE status = 'skipped' AND subscription_id = 's2' AND reason LIKE '%below the minimum%'")).ShouldBe(1);
        (await Scalar(connection, "SELECT orders_executed FROM bot_subscriptions WHERE subscription_id = 's1'")).ShouldBe(1);
        (await Scalar(connection, "SELECT orders_skipped FROM bot_subscriptions WHERE subscription_id = 's2'")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM exchange_accounts WHERE account_id = 'acct-x' AND api_key = 'api-key-x' AND exchange = 'binance'")).ShouldBe(1);
        await using var everything = connection.CreateCommand();
        everything.CommandText = "SELECT * FROM exchange_accounts";
        await using var reader = await everything.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            for (var column = 0; column < reader.FieldCount; column++)
            {
                (reader.GetValue(column)?.ToString() ?? "").ShouldNotContain("never-in-a-read-table");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Outcomes_applied_together_give_the_rows_and_statistics_of_outcomes_applied_one_by_one(bool postgres)
    {
        _stores = await OpenStoresAsync(postgres);

        // One batch holds them all: s2 is created between outcomes, so its outcome must not be written before it.
        var sequence = new Dictionary<string, long>();
        foreach (var (id, @event) in new (string, object)[]
        {
            ("s1", Created("s1")), ("s1", Outcome("sig-1", ExecutionStatus.Executed, 1)), ("s2", Created("s2")),
            ("s2", Outcome("sig-1", ExecutionStatus.Skipped, 1)), ("s1", Outcome("sig-2", ExecutionStatus.Skipped, 2)), ("s1", Outcome("sig-3", ExecutionStatus.Failed, 3)),
        })
        {
            await WriteAsync(sequence, "subscription-" + id, @event);
        }

        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));

        await using var connection = await _stores.ProjectionStore.OpenAsync(CancellationToken.None);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions")).ShouldBe(4);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE subscription_id = 's1' AND signal_id = 'sig-1' AND status = 'executed' AND exchange_order_id = '42' AND CAST(price AS REAL) = 64000")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE signal_id = 'sig-3' AND status = 'failed' AND reason = 'a reason' AND price IS NULL")).ShouldBe(1);
        (await StatisticsAsync(connection, "s1")).ShouldBe(3111);
        (await StatisticsAsync(connection, "s2")).ShouldBe(1010);
        await using var last = connection.CreateCommand();
        last.CommandText = "SELECT last_signal_at FROM bot_subscriptions WHERE subscription_id = 's1'";
        var lastSignal = await last.ExecuteScalarAsync();
        (lastSignal is DateTime time ? new DateTimeOffset(time, TimeSpan.Zero) : DateTimeOffset.Parse((string)lastSignal!, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(T0.AddMinutes(3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_subscription_the_bot_gave_up_on_is_unanswered_until_its_own_outcome_arrives_and_only_that_counts(bool postgres)
    {
        _stores = await OpenStoresAsync(postgres);
        var sequence = new Dictionary<string, long>();
        foreach (var id in new[] { "s1", "s2" })
        {
            await WriteAsync(sequence, "subscription-" + id, Created(id));
        }

        // s1 recorded its outcome just as the bot gave up on it and on s2, which had recorded none.
        await WriteAsync(sequence, "bot-b1", new BotEvents.SignalAccepted("sig-1", new Signal("BTCUSDT", SignalAction.Buy, null, null, null), T0, 2));
        await WriteAsync(sequence, "subscription-s1", Outcome("sig-1", ExecutionStatus.Executed, 1));
        await WriteAsync(sequence, "bot-b1", new BotEvents.FanOutTimedOut("sig-1", ["s1", "s2"], 3_600_000, T0.AddHours(1)));
        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));

        await using var connection = await _stores.ProjectionStore.OpenAsync(CancellationToken.None);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signals WHERE signal_id = 'sig-1' AND fan_out_completed_at IS NULL")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE subscription_id = 's1' AND status = 'executed' AND exchange_order_id = '42'")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE subscription_id = 's2' AND status = 'unanswered' AND elapsed_ms = 3600000 "
            + "AND reason LIKE 'the subscription recorded no outcome within 1:00:00 of the signal%check the exchange account'")).ShouldBe(1);
        (await StatisticsAsync(connection, "s1")).ShouldBe(1100);
        (await StatisticsAsync(connection, "s2")).ShouldBe(0);

        // s2 comes back and records its outcome: it replaces the bot's row, and counts.
        await WriteAsync(sequence, "subscription-s2", Outcome("sig-1", ExecutionStatus.Skipped, 70));
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions WHERE subscription_id = 's2' AND status = 'skipped' AND reason = 'a reason' AND elapsed_ms = 7")).ShouldBe(1);
        (await Scalar(connection, "SELECT COUNT(*) FROM bot_signal_executions")).ShouldBe(2);
        (await StatisticsAsync(connection, "s2")).ShouldBe(1010);
    }

    [Fact]
    public async Task Read_tables_built_as_events_are_committed_are_those_rebuilt_from_the_journal_file()
    {
        // Live, the read model takes the events just committed from memory (the objects the entities wrote); rebuilt, it
        // reads and deserializes them from the journal's file. The tables must not tell the two apart.
        _stores = await OpenStoresAsync(postgres: false);
        var (regions, _) = await TradeAsync();
        await SignalAsync(regions, SignalAction.Close, "tv-2", fannedOutBefore: 1);
        await _runner!.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        var live = await DumpAsync();
        live.Count(row => row.StartsWith("bot_signal_executions", StringComparison.Ordinal)).ShouldBe(4);

        await _runner.DisposeAsync();
        _runner = null;
        await _stores.DisposeAsync();
        _stores = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_dataDirectory, "*read-model*"))
        {
            File.Move(file, file + ".live");
        }

        _stores = await OpenStoresAsync(postgres: false);
        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        (await DumpAsync()).ShouldBe(live);
    }

    /// <summary>A bot with two subscriptions (one too small to trade), an exchange account, and a buy signal fanned out.</summary>
    private async Task<(TradingRegions Regions, SignalAcceptedReply Accepted)> TradeAsync()
    {
        ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(_stores!.Journal, _stores.SnapshotStore);
        var prices = new FixedPrices();
        var paper = new PaperExchange(prices, new PaperExchangeSettings { Slippage = 0m });
        var accounts = new InMemoryAccounts();
        accounts.Add("acct-1", "key-1");
        accounts.Add("acct-2", "key-2");
        var regions = TradingRegions.Start(Sys, new AccountGateways(accounts, paper, new AccountGatewaySettings(), TimeProvider.System));
        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore,
            new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });

        var defaults = new TradingParameters(10, 100m, 2m, 4m);
        (await regions.Bots.Ask<object>(replyTo => new CreateBot("b1", "Trend", "a bot", "trend-1", BotEntity.HashSecret("s"), defaults, TimeSpan.FromMinutes(1), replyTo))).ShouldBeOfType<BotProtocol.Ok>();
        foreach (var (id, account) in new[] { ("s1", "acct-1"), ("s2", "acct-2") })
        {
            (await regions.Subscriptions.Ask<object>(replyTo => new CreateSubscription(id, "u1", "b1", account, ExchangeName.Paper,
                id == "s2" ? new ParameterOverrides(MarginUsd: 1m) : ParameterOverrides.None, RiskLimits.None, replyTo))).ShouldBeOfType<SubscriptionProtocol.Ok>();
            (await regions.Bots.Ask<object>(replyTo => new AddSubscriber("b1", id, replyTo))).ShouldBeOfType<BotProtocol.Ok>();
        }

        var protector = new SecretProtector(new byte[32]);
        var accountRegion = TradingRegions.StartAccounts(Sys, protector);
        (await accountRegion.Ask<object>(replyTo => new AccountProtocol.RegisterAccount("acct-x", "u1", ExchangeName.Binance, true, "api-key-x", "never-in-a-read-table", replyTo))).ShouldBeOfType<AccountProtocol.Ok>();

        var accepted = await SignalAsync(regions, SignalAction.Buy, "tv-1", fannedOutBefore: 0);
        return (regions, accepted);
    }

    private async Task<SignalAcceptedReply> SignalAsync(TradingRegions regions, SignalAction action, string alertId, int fannedOutBefore)
    {
        var accepted = (SignalAcceptedReply)await regions.Bots.Ask<object>(replyTo => new AcceptSignal("b1", "s", new Signal("BTCUSDT", action, 64_100m, alertId, null), replyTo));
        await using var connection = await _stores!.ProjectionStore.OpenAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await Scalar(connection, "SELECT COUNT(*) FROM bot_signals WHERE fan_out_completed_at IS NOT NULL") <= fannedOutBefore)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the fan-out to complete in the read model");
            await Task.Delay(20);
        }

        return accepted;
    }

    private static SubscriptionEvents.SubscriptionCreated Created(string id) =>
        new(id, "u1", "b1", "acct-" + id, ExchangeName.Paper, ParameterOverrides.None, RiskLimits.None, T0);

    private static SubscriptionEvents.SignalCompleted Outcome(string signal, ExecutionStatus status, int minute) =>
        new(signal, "b1", status, status == ExecutionStatus.Executed ? null : "a reason", status == ExecutionStatus.Executed ? "42" : null,
            status == ExecutionStatus.Executed ? 64_000m : null, status == ExecutionStatus.Executed ? 0.015m : null, 7, T0.AddMinutes(minute));

    // The typed queries give the same rows on either store: SQLite keeps decimals and times as text, booleans as integers.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_queries_answer_the_same_typed_rows_on_either_store_and_an_owner_only_their_own(bool postgres)
    {
        _stores = await OpenStoresAsync(postgres);
        var sequence = new Dictionary<string, long>();
        foreach (var (persistenceId, @event) in new (string, object)[]
        {
            ("bot-b1", new BotEvents.BotCreated("b1", "Trend", "a bot", "futures", "trend-1", "hash", new TradingParameters(10, 100.5m, 2.25m, null), TimeSpan.FromMinutes(2), T0)),
            ("bot-b1", new BotEvents.BotPaused(T0.AddMinutes(1))),
            ("user-u1", new UserEvents.UserCreated("u1", "alice", "token-hash", T0)),
            ("account-a1", new AccountEvents.AccountRegistered("a1", "u1", ExchangeName.Paper, true, "key-1", "protected", T0)),
            ("account-a2", new AccountEvents.AccountRegistered("a2", "u2", ExchangeName.Binance, false, "key-2", "protected", T0.AddSeconds(1))),
            ("account-a3", new AccountEvents.AccountRegistered("a3", "u1", ExchangeName.Bybit, false, "key-3", "protected", T0.AddSeconds(2))),
            ("account-a3", new AccountEvents.AccountDeleted(T0.AddSeconds(3))),
            ("subscription-s1", new SubscriptionEvents.SubscriptionCreated("s1", "u1", "b1", "a1", ExchangeName.Paper, new ParameterOverrides(MarginUsd: 60.75m), new RiskLimits(500m, null), T0)),
            ("subscription-s2", new SubscriptionEvents.SubscriptionCreated("s2", "u2", "b1", "a2", ExchangeName.Binance, ParameterOverrides.None, RiskLimits.None, T0.AddSeconds(1))),
            ("subscription-s2", new SubscriptionEvents.SubscriptionCancelled(T0.AddSeconds(2))),
            ("bot-b1", new BotEvents.SignalAccepted("sig-1", new Signal("BTCUSDT", SignalAction.Buy, 64_000.5m, "tv-1", null), T0.AddMinutes(2), 2)),
            ("subscription-s1", new SubscriptionEvents.SignalCompleted("sig-1", "b1", ExecutionStatus.Executed, null, "42", 64_001.25m, 0.015m, 7, T0.AddMinutes(3))),
        })
        {
            await WriteAsync(sequence, persistenceId, @event);
        }

        _runner = await ProjectionRunner.StartAsync(new TradingReadModel(), _stores.ProjectionStore, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) });
        await _runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(15));
        var queries = new ReadQueries(_stores.ProjectionStore);

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

    /// <summary>Writes an event straight to the journal, as the entity named would (<paramref name="sequence"/>: each one's last number).</summary>
    private async Task WriteAsync(Dictionary<string, long> sequence, string persistenceId, object @event)
    {
        var nr = sequence[persistenceId] = sequence.GetValueOrDefault(persistenceId) + 1;
        (await _stores!.Journal.WriteMessagesAsync([new Actors.Persistence.AtomicWrite([new Actors.Persistence.Persistent(@event, persistenceId, nr, "w", T0, new HashSet<string>())])]))
            .ShouldAllBe(e => e == null);
    }

    private async Task<IReadOnlyList<string>> DumpAsync()
    {
        var rows = new List<string>();
        await using var connection = await _stores!.ProjectionStore.OpenAsync(CancellationToken.None);
        foreach (var table in new[] { "bots", "users", "exchange_accounts", "bot_subscriptions", "bot_signals", "bot_signal_executions" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1, 2";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(table + ": " + string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(column => $"{reader.GetName(column)}={reader.GetValue(column)}")));
            }
        }

        return rows;
    }

    private async Task<DurableStores> OpenStoresAsync(bool postgres)
    {
        var options = new DurableStoreOptions { DataDirectory = _dataDirectory };
        if (postgres)
        {
            _database = await TestDatabase.CreateAsync("readmodel");
            options = options with { PostgresConnectionString = _database.ConnectionString };
        }

        return await DurableStores.OpenAsync(options, TradingSerializer.Create());
    }

    /// <summary>A subscription's statistics as one number: signals received, executed, skipped, failed (one digit each).</summary>
    private static Task<long> StatisticsAsync(DbConnection connection, string subscriptionId) => Scalar(connection,
        "SELECT signals_received * 1000 + orders_executed * 100 + orders_skipped * 10 + orders_failed FROM bot_subscriptions WHERE subscription_id = '" + subscriptionId + "'");

    private static async Task<long> Scalar(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
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
