using System.Net;
using System.Text.Json;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// CLUSTER.md scenario 2: three members, one of them cut off from PostgreSQL by its proxy (blackhole: sockets kept,
/// nothing forwarded), while it still reaches its peers. It stops its shards at its local deadline, the others down it and
/// serve its shards; healed, it finds itself downed and exits to start again as a new incarnation. The checker then finds
/// every invariant held (I1 one outcome per subscription and signal, I2 one order per client order id, I3 no stale epoch).
/// </summary>
public sealed class PartitionSpecs() : SimulatedClusterSpecs("partition")
{
    private const int Subscribers = 12;

    [Fact]
    public async Task A_member_cut_off_from_the_database_stops_its_shards_the_others_serve_them_and_it_rejoins_anew()
    {
        for (var i = 0; i < Subscribers; i++)
        {
            Simulator.State.RegisterAccount($"key-{i}", $"secret-{i}");
        }

        var (a, b, c) = (Cluster[0], Cluster[1], Cluster[2]);
        var bot = await CreateBotAsync(a);
        var acknowledged = new List<string> { await SignalAsync(a, bot, "buy") };
        await OutcomesAsync(c, acknowledged[0]);

        b.PostgresProxy.SetMode(TcpProxyMode.Blackhole);
        await Eventually.HoldsAsync(async () => (await b.GetAsync("/health/ready")).Status == HttpStatusCode.ServiceUnavailable,
            "the cut-off member not ready", TimeSpan.FromSeconds(15), () => b.Output);
        await Eventually.HoldsAsync(async () => (await a.GetAsync("/api/v1/cluster/members")).Body.GetProperty("members").EnumerateArray()
            .Any(m => m.GetProperty("address").GetString() == b.Address.GetLeftPart(UriPartial.Authority) && m.GetProperty("status").GetString() == "down"),
            "the cut-off member downed", TimeSpan.FromSeconds(20));
        acknowledged.Add(await SignalAsync(c, bot, "close"));
        await OutcomesAsync(a, acknowledged[1]);

        b.PostgresProxy.SetMode(TcpProxyMode.Pass);
        await Eventually.HoldsAsync(() => !b.IsRunning, "the healed member stopped as downed", TimeSpan.FromSeconds(45), () => b.Output);
        b.Output.ShouldContain("This node was downed by the cluster");
        await b.RestartAsync();
        acknowledged.Add(await SignalAsync(b, bot, "buy"));
        await OutcomesAsync(b, acknowledged[2]);

        await new ClusterChecker(Database.ConnectionString, Simulator.BaseUrl).AssertAllAsync(acknowledgedSignals: acknowledged);
    }

    private static async Task<JsonElement> CreateBotAsync(ClusterNode node)
    {
        var bot = Created(await node.PostAsync("/api/v1/bots", new { name = "partition", master_webhook_path = "partition", default_leverage = 2, default_margin_usd = 100 }));
        for (var i = 0; i < Subscribers; i++)
        {
            var account = Created(await node.PostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = $"key-{i}", secret_key = $"secret-{i}" }));
            Created(await node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() }));
        }

        return bot;
    }

    private static async Task<string> SignalAsync(ClusterNode node, JsonElement bot, string action)
    {
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}"}""";
        var (status, accepted) = await node.PostAlertAsync("/api/v1/bots/webhook/master/partition", alert);
        status.ShouldBe(HttpStatusCode.Accepted, accepted.ToString());
        return accepted.GetProperty("signal_id").GetString() ?? "";
    }

    private static Task OutcomesAsync(ClusterNode reader, string signalId) =>
        Eventually.HoldsAsync(async () =>
        {
            var (status, signal) = await reader.GetAsync($"/api/v1/signals/{signalId}");
            return status == HttpStatusCode.OK && signal.GetProperty("executions").GetArrayLength() == Subscribers;
        }, $"{Subscribers} outcomes of {signalId}", TimeSpan.FromSeconds(60));

    private static JsonElement Created((HttpStatusCode Status, JsonElement Body) response)
    {
        response.Status.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Created);
        return response.Body;
    }
}
