using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// CLUSTER.md scenario 2, variant (issue 17): the actor messages to one member are cut off (a blackhole in front of the
/// remoting port it advertises) while every member still reaches PostgreSQL. Membership is the database's business, so
/// nobody is downed and no shard moves: the cut-off member's subscriptions simply do not hear the signal. The bot keeps
/// telling the subscriptions that have not answered (every 10 s, until its receipt timeout); once the partition heals, its
/// next tell gets through, and every subscription ends with one outcome and one order.
/// </summary>
public sealed class RemotingPartitionSpecs() : SimulatedClusterSpecs("remoting_partition")
{
    private const int Subscribers = 24;

    protected override NodeClusterOptions Configure(NodeClusterOptions options) => options with { ProxyRemoting = true };

    [Fact]
    public async Task A_member_whose_actor_messages_are_cut_off_is_not_downed_and_hears_the_signal_once_the_partition_heals()
    {
        var postgres = Database.ConnectionString;
        var bot = await Scenario.CreateBotAsync(Cluster.Nodes, Simulator, "remoting-partition", Subscribers);
        var warmUp = await Scenario.SignalAsync(Cluster[0], bot, "buy");
        await Scenario.OutcomesAsync(postgres, [warmUp], Subscribers, TimeSpan.FromSeconds(60));
        var botHome = await Scenario.HomeOfAsync(Cluster, postgres, "bot", bot.Id);
        var homes = new Dictionary<string, ClusterNode>();
        foreach (var subscription in bot.Subscriptions)
        {
            homes[subscription] = await Scenario.HomeOfAsync(Cluster, postgres, "subscription", subscription);
        }

        // Neither the bot's node nor the ingress that already knows the webhook path (a claim it need not ask again).
        var ingress = Cluster[0];
        var cutOff = Cluster.Nodes.Where(n => n != botHome && n != ingress).MaxBy(n => homes.Values.Count(h => h == n)) ?? throw new InvalidOperationException("no node");
        var unreachable = homes.Where(h => h.Value == cutOff).Select(h => h.Key).ToHashSet();
        unreachable.ShouldNotBeEmpty("the cut-off member hosts none of the subscriptions: the scenario would not happen");
        var members = await Scenario.MembersAsync(postgres);

        (cutOff.RemotingProxy ?? throw new InvalidOperationException("no remoting proxy")).SetMode(TcpProxyMode.Blackhole);
        var signalId = await Scenario.SignalAsync(ingress, bot, "close");
        await Scenario.OutcomesAsync(postgres, [signalId], Subscribers - unreachable.Count, TimeSpan.FromSeconds(60));
        // Held past a lease and a downing round: the members renew through PostgreSQL, so nobody is downed.
        var checkpoint = await Scenario.ScalarAsync<DateTime>(postgres, "SELECT now()");
        await Eventually.HoldsAsync(async () => await Scenario.ScalarAsync<long>(postgres,
                "SELECT count(*) FROM cluster_member WHERE status = 'up' AND heartbeat_at > @at + interval '5 seconds'", ("at", checkpoint)) == 3,
            "all three members renewing 5 s into the partition", TimeSpan.FromSeconds(30));
        var heard = await Scenario.ScalarAsync<long>(postgres,
            "SELECT count(*) FROM bot_signal_executions WHERE signal_id = @s AND status <> 'unanswered' AND subscription_id = ANY(@cut)", ("s", signalId), ("cut", unreachable.ToArray()));

        heard.ShouldBe(0, "no message reached the cut-off member");
        (await Scenario.MembersAsync(postgres)).ShouldBe(members, "a remoting partition downs nobody");

        cutOff.RemotingProxy.SetMode(TcpProxyMode.Pass);
        await Scenario.OutcomesAsync(postgres, [signalId], Subscribers, TimeSpan.FromSeconds(60), () => cutOff.Output);
        (await Scenario.OutcomeStatusesAsync(postgres, signalId)).ShouldAllBe(status => status == "executed");
        var orders = Simulator.State.Orders();
        bot.Subscriptions.Select(s => orders.Count(o => o.ClientOrderId == ClientOrderIds.For(s, signalId, ClientOrderIds.Legs.Close))).ShouldAllBe(count => count == 1);
        (await Scenario.MembersAsync(postgres)).ShouldBe(members);
        await new ClusterChecker(postgres, Simulator.BaseUrl).AssertAllAsync(acknowledgedSignals: [warmUp, signalId]);
    }
}
