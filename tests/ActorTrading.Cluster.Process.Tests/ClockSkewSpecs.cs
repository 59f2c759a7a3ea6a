using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// CLUSTER.md scenario 4 (issue 17): one member's wall clock 10 minutes ahead, another's 10 minutes behind
/// (<c>ActorTrading:TestingClockOffset</c>, the test's stand-in for a wrong host clock). Leases are judged by the database's
/// <c>now()</c> and local deadlines by the monotonic clock, so nobody downs anybody and no shard is taken over; and each
/// member corrects its wall clock to the database's at every heartbeat, so a signal accepted on a fast node is not stale on
/// a slow one (a time-to-live of 30 s against a 20-minute difference) and every subscription trades it.
/// </summary>
/// <remarks>Without the correction (checked by taking it out) the journal holds rows stamped ten minutes off, whichever node
/// hosts the bot; a stale skip also shows whenever the bot's node is behind a subscription's node (unless the bot lands
/// on the node ten minutes ahead).</remarks>
public sealed class ClockSkewSpecs() : SimulatedClusterSpecs("clock_skew")
{
    private const int Subscribers = 24;
    private static readonly string[] Offsets = ["00:00:00", "00:10:00", "-00:10:00"];

    protected override NodeClusterOptions Configure(NodeClusterOptions options) =>
        options with { Environment = i => new Dictionary<string, string> { ["ActorTrading__TestingClockOffset"] = Offsets[i] } };

    [Fact]
    public async Task Members_ten_minutes_ahead_and_behind_down_nobody_keep_their_shards_and_trade_every_fresh_signal()
    {
        var postgres = Database.ConnectionString;
        var bot = await Scenario.CreateBotAsync(Cluster.Nodes, Simulator, "skew", Subscribers, signalTtlSeconds: 30);
        var members = await Scenario.MembersAsync(postgres);
        var signals = new List<string>();
        // Each node's ingress in turn, so that the bot's clock, the ingress's and the subscriptions' differ every way.
        foreach (var (node, action) in Cluster.Nodes.Zip(["buy", "close", "buy"]))
        {
            signals.Add(await Scenario.SignalAsync(node, bot, action));
            await Scenario.OutcomesAsync(postgres, [signals[^1]], Subscribers, TimeSpan.FromSeconds(60));
        }

        // Every member renews for longer than a member lease and a downing round past this point: one misjudging leases by
        // its own clock would have downed another, or stopped renewing, by then.
        var checkpoint = await Scenario.ScalarAsync<DateTime>(postgres, "SELECT now()");
        await Eventually.HoldsAsync(async () => await Scenario.ScalarAsync<long>(postgres,
                "SELECT count(*) FROM cluster_member WHERE status = 'up' AND heartbeat_at > @at + interval '5 seconds'", ("at", checkpoint)) == 3,
            "all three members renewing 5 s past the checkpoint", TimeSpan.FromSeconds(30), () => string.Join(Environment.NewLine, Cluster.Nodes.Select(n => n.Output)));
        var takeovers = await Scenario.ScalarAsync<long>(postgres, "SELECT count(*) FROM shard_lease_history WHERE reason = 'takeover'");

        (await Scenario.MembersAsync(postgres)).ShouldBe(members, "nobody was downed, nobody rejoined");
        members.Values.ShouldAllBe(m => m.Status == "up");
        takeovers.ShouldBe(0, "no shard was taken from a member judged expired");
        foreach (var signal in signals)
        {
            (await Scenario.OutcomeStatusesAsync(postgres, signal)).ShouldAllBe(status => status == "executed", $"signal {signal}: a fresh signal is traded, not skipped as stale");
        }

        var orders = Simulator.State.Orders();
        bot.Subscriptions.Select(s => orders.Count(o => o.ClientOrderId == ClientOrderIds.For(s, signals[0], ClientOrderIds.Legs.Open))).ShouldAllBe(count => count == 1);
        // The journal's timestamps are the corrected clocks' (the database's), so the checker needs no skew allowance.
        var offClock = await Scenario.ScalarAsync<long>(postgres,
            "SELECT count(*) FROM event_journal WHERE created_at > now() + interval '1 minute' OR created_at < now() - interval '5 minutes'");
        offClock.ShouldBe(0, "journal rows are stamped by the database-corrected clocks, not ten minutes off");
        await new ClusterChecker(postgres, Simulator.BaseUrl).AssertAllAsync(acknowledgedSignals: signals);
    }
}
