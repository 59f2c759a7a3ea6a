using System.Net;
using System.Text;
using System.Text.Json;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;
using ActorTrading.Actors.Sharding;
using ActorTrading.Domain;
using ActorTrading.Trading;

namespace ActorTrading.Node.Tests;

/// <summary>
/// Nodes started with <c>--cluster</c> on one PostgreSQL, as their own processes, trading on the exchange simulator: the
/// shards spread over the members, a signal sent to any node reaches every subscription once, and a node killed with
/// <c>kill -9</c> leaves its shards to the others.
/// </summary>
public sealed class ClusterSpecs : IAsyncLifetime
{
    private const int Subscribers = 24;
    // The same key on every node (any node decrypts any account's secret); rebalance rounds every 2 s, not 10.
    private static readonly Dictionary<string, string> SharedKey = new()
    {
        ["ACTORTRADING_SECRET_KEY"] = Convert.ToBase64String(new byte[32]), ["ActorTrading__Cluster__RebalanceInterval"] = "00:00:02",
    };
    private readonly List<NodeProcess> _nodes = [];
    private SimulatorHost _simulator = null!;
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
        for (var i = 0; i < Subscribers; i++)
        {
            _simulator.State.RegisterAccount($"key-{i}", $"secret-{i}");
        }

        _database = await TestDatabase.CreateAsync("cluster");
        // One after the other: each start migrates the schema, and the first generates the cluster secret.
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(await NodeProcess.StartAsync(Directory.CreateTempSubdirectory("actortrading-cluster-").FullName, _simulator.BaseUrl,
                _database.ConnectionString, ["--cluster"], SharedKey));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _database.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task Every_node_lists_the_same_three_members_up()
    {
        foreach (var node in _nodes)
        {
            var members = (await node.GetAsync("/api/v1/cluster/members")).GetProperty("members").EnumerateArray().ToList();
            members.Select(m => m.GetProperty("address").GetString()).Order().ShouldBe(_nodes.Select(n => n.Address.GetLeftPart(UriPartial.Authority)).Order());
            members.ShouldAllBe(m => m.GetProperty("status").GetString() == "up");
        }
    }

    [Fact]
    public async Task A_single_node_is_refused_on_the_database_of_a_cluster_with_one_line()
    {
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(Directory.CreateTempSubdirectory("actortrading-single-").FullName, _database.ConnectionString);

        exitCode.ShouldBe(1, output);
        output.Trim().Split('\n').Last().ShouldContain("another node is already running on PostgreSQL");
        output.ShouldContain("unless every node on it runs with --cluster");
    }

    [Fact]
    public async Task A_paper_account_is_refused_on_a_cluster_member_naming_the_field()
    {
        var refused = await _nodes[0].PostRawAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "paper-1", secret_key = "paper-secret" });

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("paper accounts need a single node");
    }

    [Fact]
    public async Task A_signal_sent_to_any_node_reaches_every_subscription_once_with_the_shards_spread_over_the_members()
    {
        var (bot, subscriptions) = await CreateBotAsync("spread");

        var signalId = await SignalAsync(_nodes[2], bot, "buy");

        await OutcomesAsync(signalId, Subscribers);
        OrdersPerSubscription(subscriptions, signalId, ClientOrderIds.Legs.Open).ShouldAllBe(count => count == 1);
        var owners = (await _nodes[0].GetAsync("/api/v1/cluster/shards?type=subscription")).GetProperty("types")[0].GetProperty("shards_per_member");
        owners.EnumerateObject().Count().ShouldBe(3, owners.ToString());
    }

    [Fact]
    public async Task A_node_killed_hard_leaves_its_shards_to_the_others_and_the_next_signal_reaches_every_subscription_once()
    {
        var (bot, subscriptions) = await CreateBotAsync("failover");
        var first = await SignalAsync(_nodes[0], bot, "buy");
        await OutcomesAsync(first, Subscribers);

        var killed = _nodes[1];
        await killed.KillHardAsync();
        await Eventually.HoldsAsync(async () => (await _nodes[0].GetAsync("/api/v1/cluster/members")).GetProperty("members").EnumerateArray()
            .Any(m => m.GetProperty("address").GetString() == killed.Address.GetLeftPart(UriPartial.Authority) && m.GetProperty("status").GetString() == "down"),
            "the killed node downed", TimeSpan.FromSeconds(20));

        var second = await SignalAsync(_nodes[2], bot, "close");

        await OutcomesAsync(second, Subscribers);
        OrdersPerSubscription(subscriptions, first, ClientOrderIds.Legs.Open).ShouldAllBe(count => count == 1);
        OrdersPerSubscription(subscriptions, second, ClientOrderIds.Legs.Close).ShouldAllBe(count => count == 1);
        var shards = (await _nodes[0].GetAsync("/api/v1/cluster/shards?type=subscription")).GetProperty("types")[0].GetProperty("shards_per_member");
        shards.EnumerateObject().Select(owner => owner.Name).ShouldNotContain(killed.Address.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>Which node is killed while a signal fans out: the bot's (it recovers its fan-out on another node), or one that
    /// hosts only subscriptions (the bot tells them again once their shards are elsewhere).</summary>
    public enum Victim
    {
        BotNode,
        SubscriptionNode,
    }

    [Theory]
    [InlineData(Victim.BotNode)]
    [InlineData(Victim.SubscriptionNode)]
    public async Task A_node_killed_hard_mid_broadcast_loses_no_outcome_and_doubles_no_order(Victim victim)
    {
        var (bot, subscriptions) = await CreateBotAsync($"mid-{victim}".ToLowerInvariant());
        var botHome = await HomeOfAsync("bot", bot.GetProperty("id").GetString() ?? "");
        var killed = victim == Victim.BotNode ? botHome : _nodes.First(n => n != botHome);
        var ingress = _nodes.First(n => n != killed);
        // Half the orders take two seconds more: when the first outcomes are in, the rest are on their way.
        _simulator.State.Faults = new FaultSettings { LatencyRate = 0.5, LatencyMs = 2_000, PathPrefix = "/fapi/v1/order", Method = "POST" };

        var signalId = await SignalAsync(ingress, bot, "buy");
        await Eventually.HoldsAsync(async () => await OutcomeCountAsync(ingress, signalId) > 0, "the first outcomes", TimeSpan.FromSeconds(30));
        await killed.KillHardAsync();
        var atKill = await OutcomeCountAsync(ingress, signalId);
        _simulator.State.Faults = new FaultSettings();

        atKill.ShouldBeLessThan(Subscribers, "the kill came after the fan-out had ended: the scenario did not happen");
        await OutcomesAsync(signalId, Subscribers, ingress);
        OrdersPerSubscription(subscriptions, signalId, ClientOrderIds.Legs.Open).ShouldAllBe(count => count == 1);
        var statuses = (await ingress.GetAsync($"/api/v1/signals/{signalId}")).GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("status").GetString()).ToList();
        statuses.ShouldAllBe(status => status == "executed", string.Join(", ", statuses));
    }

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_hands_off_its_shards_leaves_as_removed_and_the_others_serve_them()
    {
        var (bot, subscriptions) = await CreateBotAsync("rolling");
        var first = await SignalAsync(_nodes[0], bot, "buy");
        await OutcomesAsync(first, Subscribers);
        var leaving = _nodes[1];
        var address = leaving.Address.GetLeftPart(UriPartial.Authority);

        await Kill(leaving, "TERM");
        await Eventually.HoldsAsync(() => leaving.ExitCode is not null, "the node stopped", TimeSpan.FromSeconds(60));

        leaving.ExitCode.ShouldBe(0, leaving.Output);
        var members = (await _nodes[0].GetAsync("/api/v1/cluster/members?all=true")).GetProperty("members").EnumerateArray();
        members.Where(m => m.GetProperty("address").GetString() == address).Select(m => m.GetProperty("status").GetString()).ShouldBe(["removed"]);
        var owners = (await _nodes[0].GetAsync("/api/v1/cluster/shards")).GetProperty("types").EnumerateArray()
            .SelectMany(t => t.GetProperty("shards_per_member").EnumerateObject().Select(o => o.Name));
        owners.ShouldNotContain(address, "every shard was handed off");
        var second = await SignalAsync(_nodes[2], bot, "close");
        await OutcomesAsync(second, Subscribers);
        OrdersPerSubscription(subscriptions, second, ClientOrderIds.Legs.Close).ShouldAllBe(count => count == 1);
    }

    [Fact]
    public async Task A_paused_node_whose_shards_moved_stops_as_downed_when_it_wakes_and_doubles_no_order()
    {
        var (bot, subscriptions) = await CreateBotAsync("zombie");
        var first = await SignalAsync(_nodes[0], bot, "buy");
        await OutcomesAsync(first, Subscribers);
        var zombie = _nodes.First(n => n != _nodes[0] && n != _nodes[2]);

        await Kill(zombie, "STOP");
        try
        {
            await Eventually.HoldsAsync(async () => (await _nodes[0].GetAsync("/api/v1/cluster/members")).GetProperty("members").EnumerateArray()
                .Any(m => m.GetProperty("address").GetString() == zombie.Address.GetLeftPart(UriPartial.Authority) && m.GetProperty("status").GetString() == "down"),
                "the paused node downed", TimeSpan.FromSeconds(20));
            var second = await SignalAsync(_nodes[2], bot, "close");
            await OutcomesAsync(second, Subscribers);
            OrdersPerSubscription(subscriptions, second, ClientOrderIds.Legs.Close).ShouldAllBe(count => count == 1);
        }
        finally
        {
            await Kill(zombie, "CONT");
        }

        // Woken, it finds itself downed: it stops its shards and exits, to start again as a new incarnation.
        await Eventually.HoldsAsync(() => zombie.ExitCode is not null, "the zombie stopped", TimeSpan.FromSeconds(30), () => zombie.Output);
        zombie.ExitCode.ShouldBe(1, zombie.Output);
        OrdersPerSubscription(subscriptions, first, ClientOrderIds.Legs.Open).ShouldAllBe(count => count == 1);
    }

    [Fact]
    public async Task A_node_that_joins_takes_its_share_of_the_shards_and_no_signal_is_lost_or_doubled()
    {
        var (bot, subscriptions) = await CreateBotAsync("join");
        var first = await SignalAsync(_nodes[0], bot, "buy");
        await OutcomesAsync(first, Subscribers);

        var joined = await NodeProcess.StartAsync(Directory.CreateTempSubdirectory("actortrading-cluster-").FullName, _simulator.BaseUrl,
            _database.ConnectionString, ["--cluster"], SharedKey);
        _nodes.Add(joined);

        var counts = new Dictionary<string, int>();
        await Eventually.HoldsAsync(async () =>
        {
            counts = (await _nodes[0].GetAsync("/api/v1/cluster/shards?type=subscription")).GetProperty("types")[0].GetProperty("shards_per_member")
                .EnumerateObject().ToDictionary(owner => owner.Name, owner => owner.Value.GetInt32());
            return counts.Count == 4 && counts.Values.Max() - counts.Values.Min() <= 1;
        }, "the subscription shards even over four members", TimeSpan.FromSeconds(60), () => string.Join(", ", counts));

        var second = await SignalAsync(joined, bot, "close");
        await OutcomesAsync(second, Subscribers);
        OrdersPerSubscription(subscriptions, first, ClientOrderIds.Legs.Open).ShouldAllBe(count => count == 1);
        OrdersPerSubscription(subscriptions, second, ClientOrderIds.Legs.Close).ShouldAllBe(count => count == 1);
    }

    private static async Task Kill(NodeProcess node, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        kill.ExitCode.ShouldBe(0, $"kill -{signal}");
    }

    // The node whose member holds the entity's shard lease.
    private async Task<NodeProcess> HomeOfAsync(string type, string entityId)
    {
        var shard = int.Parse(HashCodeMessageExtractor.ShardIdOf(entityId, new TradingSettings().NumberOfShards), System.Globalization.CultureInfo.InvariantCulture);
        var shards = (await _nodes[0].GetAsync($"/api/v1/cluster/shards?type={type}")).GetProperty("types")[0].GetProperty("shards").EnumerateArray();
        var owner = shards.Single(s => s.GetProperty("shard_id").GetInt32() == shard).GetProperty("owner_address").GetString();
        return _nodes.Single(n => n.Address.GetLeftPart(UriPartial.Authority) == owner);
    }

    private static async Task<int> OutcomeCountAsync(NodeProcess reader, string signalId) =>
        (await reader.GetIfFoundAsync($"/api/v1/signals/{signalId}"))?.GetProperty("executions").GetArrayLength() ?? 0;

    private async Task<(JsonElement Bot, List<string> Subscriptions)> CreateBotAsync(string name)
    {
        var bot = await _nodes[0].PostAsync("/api/v1/bots", new { name, master_webhook_path = name, default_leverage = 2, default_margin_usd = 100 });
        var subscriptions = new List<string>();
        for (var i = 0; i < Subscribers; i++)
        {
            // Through every node in turn: any node's API reaches any entity.
            var node = _nodes[i % _nodes.Count];
            var account = await node.PostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = $"key-{i}", secret_key = $"secret-{i}" });
            var subscription = await node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
            subscriptions.Add(subscription.GetProperty("id").GetString() ?? "");
        }

        return (bot, subscriptions);
    }

    private static async Task<string> SignalAsync(NodeProcess node, JsonElement bot, string action)
    {
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}"}""";
        var accepted = await node.PostAlertAsync($"/api/v1/bots/webhook/master/{bot.GetProperty("master_webhook_path").GetString()}", alert);
        return accepted.GetProperty("signal_id").GetString() ?? "";
    }

    private Task OutcomesAsync(string signalId, int expected, NodeProcess? reader = null) =>
        Eventually.HoldsAsync(async () =>
        {
            var signal = await (reader ?? _nodes[0]).GetIfFoundAsync($"/api/v1/signals/{signalId}");
            return signal?.GetProperty("executions").GetArrayLength() == expected;
        }, $"{expected} outcomes of signal {signalId}", TimeSpan.FromSeconds(60));

    // The simulator's order log, by the deterministic client order id of each subscription's leg of the signal.
    private List<int> OrdersPerSubscription(List<string> subscriptions, string signalId, string leg)
    {
        var orders = _simulator.State.Orders();
        return [.. subscriptions.Select(subscription => orders.Count(o => o.ClientOrderId == ClientOrderIds.For(subscription, signalId, leg)))];
    }
}
