using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// CLUSTER.md scenario 1, variant (issue 17): the node that answered a webhook 202 is killed with kill -9 right after the
/// answer. It has the <c>ingress</c> role only, so it hosts no bot and no subscription: the 202 came after the bot entity
/// (on a trading node) had persisted the signal, and the fan-out is the bot's, so it goes on without the ingress. Every
/// subscription still gets its outcome from the trading nodes, one order each.
/// </summary>
public sealed class IngressKillSpecs() : SimulatedClusterSpecs("ingress_kill")
{
    private const int Subscribers = 24;

    protected override NodeClusterOptions Configure(NodeClusterOptions options) => options with { Roles = i => i == 0 ? "ingress" : null };

    [Fact]
    public async Task An_ingress_only_node_killed_right_after_its_202_leaves_the_fan_out_to_the_trading_nodes_and_no_order_is_doubled()
    {
        var (ingress, trading) = (Cluster[0], Cluster[1]);
        var bot = await Scenario.CreateBotAsync(Cluster.Nodes, Simulator, "ingress-kill", Subscribers);
        var ingressAddress = ingress.Address.GetLeftPart(UriPartial.Authority);
        var members = await Scenario.MembersAsync(Database.ConnectionString);
        var ingressIncarnation = members.Single(m => m.Value.Address == ingressAddress).Key;
        (await Scenario.LeasesAsync(Database.ConnectionString)).Values.ShouldNotContain(l => l.Owner == ingressIncarnation, "an ingress-only node hosts no shard");
        // Every order takes a second: the fan-out has barely begun when the ingress dies.
        Simulator.State.Faults = new FaultSettings { LatencyRate = 1, LatencyMs = 1_000, PathPrefix = "/fapi/v1/order", Method = "POST" };

        var signalId = await Scenario.SignalAsync(ingress, bot, "buy");
        await ingress.KillAsync();
        var atKill = await Scenario.ScalarAsync<long>(Database.ConnectionString, "SELECT count(*) FROM bot_signal_executions WHERE signal_id = @s AND status <> 'unanswered'", ("s", signalId));
        Simulator.State.Faults = new FaultSettings();

        atKill.ShouldBeLessThan(Subscribers, "the fan-out had ended before the kill: the scenario did not happen");
        await Scenario.OutcomesAsync(Database.ConnectionString, [signalId], Subscribers, TimeSpan.FromSeconds(60), () => trading.Output);
        (await Scenario.OutcomeStatusesAsync(Database.ConnectionString, signalId)).ShouldAllBe(status => status == "executed");
        var orders = Simulator.State.Orders();
        bot.Subscriptions.Select(s => orders.Count(o => o.ClientOrderId == ClientOrderIds.For(s, signalId, ClientOrderIds.Legs.Open))).ShouldAllBe(count => count == 1);
        await new ClusterChecker(Database.ConnectionString, Simulator.BaseUrl).AssertAllAsync(acknowledgedSignals: [signalId]);
    }
}
