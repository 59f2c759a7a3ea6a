using System.Net;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;
using Npgsql;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// A real fan-out on one node process (PostgreSQL through its proxy, Binance on the simulator), once for the class: the
/// checker finds nothing wrong with it. Then each test breaks one invariant on purpose, in the database or through the
/// simulator's own API, and the checker names it: every check can fail.
/// </summary>
public sealed class ClusterCheckerSpecs(ClusterCheckerSpecs.FanOut scenario) : IClassFixture<ClusterCheckerSpecs.FanOut>
{
    private ClusterChecker Checker => scenario.Checker;

    [Fact]
    public void After_a_real_fan_out_every_invariant_holds_and_the_expected_outcomes_are_the_bots_subscribers()
    {
        scenario.ViolationsAfterScenario.ShouldBeEmpty();
        scenario.Expected.Keys.ShouldBe([scenario.SignalId]);
        scenario.Expected[scenario.SignalId].ShouldBe(scenario.Subscriptions, ignoreOrder: true);
    }

    [Fact]
    public async Task I1_a_missing_outcome_row_is_reported()
    {
        var subscription = scenario.Subscriptions[0];
        await scenario.ExecuteAsync($"DELETE FROM bot_signal_executions WHERE signal_id = '{scenario.SignalId}' AND subscription_id = '{subscription}'");

        (await Checker.CheckOutcomesAsync()).ShouldContain($"I1: signal {scenario.SignalId}, subscription {subscription}: no row in bot_signal_executions");
    }

    [Fact]
    public async Task I1_a_second_outcome_in_a_subscriptions_journal_is_reported()
    {
        var subscription = scenario.Subscriptions[1];
        var persistenceId = "subscription-" + subscription;
        // A copy of its outcome, appended under the same (still current) lease: the fence lets it in.
        await scenario.ExecuteAsync($"""
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid, shard_type, shard_id, writer_incarnation, writer_epoch)
            SELECT persistence_id, (SELECT max(sequence_nr) + 1 FROM event_journal WHERE persistence_id = '{persistenceId}'), now(), manifest, payload, writer_uuid,
                   shard_type, shard_id, writer_incarnation, writer_epoch
              FROM event_journal WHERE persistence_id = '{persistenceId}' AND manifest = '{ClusterChecker.OutcomeManifest}'
            """);

        (await Checker.CheckOutcomesAsync()).ShouldContain($"I1: signal {scenario.SignalId}, subscription {subscription}: 2 outcomes in its journal, exactly one expected");
    }

    [Fact]
    public async Task I1_an_acknowledged_signal_that_is_not_in_the_journal_is_reported_lost()
    {
        var violations = await Checker.CheckOutcomesAsync(acknowledgedSignals: [scenario.SignalId, "sig-acknowledged-then-lost"]);

        violations.ShouldContain("I1: signal sig-acknowledged-then-lost was acknowledged (202) but no bot journal holds its signal-accepted event: it was lost");
        violations.ShouldNotContain(v => v.Contains(scenario.SignalId + " was acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task I1_a_subscriber_the_test_expected_but_that_has_no_outcome_is_reported()
    {
        var expected = new Dictionary<string, IReadOnlySet<string>> { [scenario.SignalId] = new HashSet<string>(scenario.Subscriptions) { "sub-never-told" } };

        (await Checker.CheckOutcomesAsync(expected)).ShouldContain($"I1: signal {scenario.SignalId}, subscription sub-never-told: no outcome in its journal");
    }

    [Fact]
    public async Task I2_a_second_order_with_a_client_order_id_already_used_is_reported()
    {
        var clientOrderId = ClientOrderIds.For(scenario.Subscriptions[2], scenario.SignalId, ClientOrderIds.Legs.Open);
        // The simulator refuses a duplicate within one account only: the same id on another account is a second order.
        var other = scenario.Simulator.State.Account(Venue.Binance, FanOut.SpareKey).ShouldNotBeNull();
        scenario.Simulator.State.PlaceMarket(other, "BTCUSDT", "BUY", 0.01m, reduceOnly: false, clientOrderId).Rejection.ShouldBe(SimRejection.None);

        (await Checker.CheckOrdersAsync()).ShouldHaveSingleItem().ShouldStartWith($"I2: client order id {clientOrderId}: 2 orders (");
    }

    [Fact]
    public async Task I3_a_gap_in_a_persistence_ids_sequence_numbers_is_reported()
    {
        await scenario.ExecuteAsync("""
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
            VALUES ('checker-gap', 1, now(), 'checker.test.v1', '\x7b7d', 'w'), ('checker-gap', 3, now(), 'checker.test.v1', '\x7b7d', 'w')
            """);

        (await Checker.CheckJournalAsync()).ShouldContain("I3: persistence id checker-gap: sequence numbers not gap-free from 1 (2 rows up to 3, first missing 2)");
    }

    [Fact]
    public async Task I3_a_row_written_under_an_epoch_older_than_one_already_granted_is_reported()
    {
        // A zombie: incarnation 7 held epoch 1 and wrote it after incarnation 8 had taken the shard over at epoch 2. The
        // fence would refuse the row, so it is written with triggers off, as a broken fence would let it in.
        await scenario.ExecuteAsync("""
            BEGIN;
            INSERT INTO shard_lease_history (type_name, shard_id, epoch, owner_incarnation, reason, at) VALUES
                ('checker-stale', 0, 1, 7, 'allocate', now() - interval '1 minute'),
                ('checker-stale', 0, 2, 8, 'takeover', now() - interval '30 seconds');
            SET LOCAL session_replication_role = replica;
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid, shard_type, shard_id, writer_incarnation, writer_epoch)
            VALUES ('checker-zombie', 1, now() - interval '50 seconds', 'checker.test.v1', '\x7b7d', 'w', 'checker-stale', 0, 7, 1),
                   ('checker-zombie', 2, now(), 'checker.test.v1', '\x7b7d', 'w', 'checker-stale', 0, 7, 1);
            COMMIT;
            """);

        var violations = (await Checker.CheckJournalAsync()).Where(v => v.Contains("checker-zombie", StringComparison.Ordinal)).ToList();

        violations.ShouldHaveSingleItem().ShouldStartWith("I3: checker-zombie #2 on shard checker-stale/0 was written at ");
        violations[0].ShouldContain("under epoch 1, but epoch 2 was granted at ");
    }

    [Fact]
    public async Task I3_a_row_under_an_epoch_never_granted_to_its_writer_is_reported()
    {
        await scenario.ExecuteAsync("""
            BEGIN;
            INSERT INTO shard_lease_history (type_name, shard_id, epoch, owner_incarnation, reason, at) VALUES
                ('checker-forged', 0, 1, 7, 'allocate', now());
            SET LOCAL session_replication_role = replica;
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid, shard_type, shard_id, writer_incarnation, writer_epoch)
            VALUES ('checker-forger', 1, now(), 'checker.test.v1', '\x7b7d', 'w', 'checker-forged', 0, 9, 1);
            COMMIT;
            """);

        (await Checker.CheckJournalAsync()).ShouldContain("I3: checker-forger #1 on shard checker-forged/0 was written by incarnation 9 under epoch 1, which shard_lease_history never granted to it");
    }

    [Fact]
    public async Task AssertAll_throws_with_every_violation_listed()
    {
        var expected = new Dictionary<string, IReadOnlySet<string>> { [scenario.SignalId] = new HashSet<string>(scenario.Subscriptions) { "sub-assert-all" } };

        var failure = await Should.ThrowAsync<ClusterInvariantException>(Checker.AssertAllAsync(expected, ["sig-assert-all-lost"]));

        failure.Violations.ShouldContain(v => v.Contains("sub-assert-all", StringComparison.Ordinal));
        failure.Violations.ShouldContain(v => v.Contains("sig-assert-all-lost", StringComparison.Ordinal));
        failure.Message.ShouldContain("sub-assert-all");
    }

    /// <summary>One bot fanning a signal out to three Binance subscriptions on one node process, checked right after.</summary>
    public sealed class FanOut : IAsyncLifetime
    {
        public const string SpareKey = "spare-key";
        private const int Subscribers = 3;
        private TestDatabase _database = null!;
        private NodeCluster _cluster = null!;

        public SimulatorHost Simulator { get; private set; } = null!;

        public ClusterChecker Checker { get; private set; } = null!;

        public string SignalId { get; private set; } = "";

        public List<string> Subscriptions { get; } = [];

        public IReadOnlyDictionary<string, IReadOnlySet<string>> Expected { get; private set; } = new Dictionary<string, IReadOnlySet<string>>();

        public List<string> ViolationsAfterScenario { get; } = [];

        public async Task InitializeAsync()
        {
            Simulator = await SimulatorHost.StartAsync();
            Simulator.State.SetPrice("BTCUSDT", 64_000m);
            Simulator.State.RegisterAccount(SpareKey, "spare-secret");
            for (var i = 0; i < Subscribers; i++)
            {
                Simulator.State.RegisterAccount($"key-{i}", $"secret-{i}");
            }

            _database = await TestDatabase.CreateAsync(nameof(ClusterCheckerSpecs));
            _cluster = await NodeCluster.StartAsync(new NodeClusterOptions { Nodes = 1, Cluster = false, Postgres = _database.ConnectionString, Simulator = Simulator.BaseUrl });
            var node = _cluster[0];
            var bot = Created(await node.PostAsync("/api/v1/bots", new { name = "Checked", master_webhook_path = "checked-1", default_leverage = 5, default_margin_usd = 100, signal_ttl_seconds = 3600 }));
            for (var i = 0; i < Subscribers; i++)
            {
                var account = Created(await node.PostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = $"key-{i}", secret_key = $"secret-{i}" }));
                var subscription = Created(await node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() }));
                Subscriptions.Add(subscription.GetProperty("id").GetString() ?? throw new InvalidOperationException("a subscription without id"));
            }

            var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""";
            var (status, accepted) = await node.PostAlertAsync("/api/v1/bots/webhook/master/checked-1", alert);
            status.ShouldBe(HttpStatusCode.Accepted, accepted.ToString());
            SignalId = accepted.GetProperty("signal_id").GetString() ?? throw new InvalidOperationException("a 202 without signal_id");
            await Eventually.HoldsAsync(async () =>
            {
                // 404 until the projection has the signal.
                var (status, signal) = await node.GetAsync($"/api/v1/signals/{SignalId}");
                return status == HttpStatusCode.OK
                    && signal.GetProperty("executions").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "executed") == Subscribers;
            }, $"{Subscribers} outcomes of {SignalId}", TimeSpan.FromSeconds(90), () => node.Output);

            Checker = new ClusterChecker(_database.ConnectionString, Simulator.BaseUrl);
            Expected = await Checker.ExpectedOutcomesAsync();
            ViolationsAfterScenario.AddRange(await Checker.CheckOutcomesAsync(acknowledgedSignals: [SignalId]));
            ViolationsAfterScenario.AddRange(await Checker.CheckOrdersAsync());
            ViolationsAfterScenario.AddRange(await Checker.CheckJournalAsync());
        }

        public async Task DisposeAsync()
        {
            await _cluster.DisposeAsync();
            await _database.DisposeAsync();
            await Simulator.DisposeAsync();
        }

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = await _database.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        private static System.Text.Json.JsonElement Created((HttpStatusCode Status, System.Text.Json.JsonElement Body) response)
        {
            response.Status.ShouldBe(HttpStatusCode.Created, response.Body.ToString());
            return response.Body;
        }
    }
}
