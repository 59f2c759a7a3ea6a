using System.Diagnostics;
using System.Globalization;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;
using Xunit.Abstractions;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// CLUSTER.md scenario 1 at the scale: kill -9, mid-broadcast, of the node hosting the bot (its fan-out recovers on
/// another node from <c>FanOutStarted</c> and re-sends to the subscriptions without a receipt) and, separately, of a node
/// hosting only subscriptions (the bot tells them again once their shards are elsewhere). Every subscription ends with one
/// outcome and one order, at the 3,000 subscriptions (both cases take about 3.5 minutes on the 2-core machine,
/// most of it creating the subscriptions); <see cref="SubscriptionsVariable"/> sets another count (e.g. 300 for a quick run).
/// </summary>
public sealed class ScaleSpecs(ITestOutputHelper output) : SimulatedClusterSpecs("scale")
{
    /// <summary>The environment variable that sets how many subscriptions the bot fans out to (e.g. 3000, the number).</summary>
    public const string SubscriptionsVariable = "ACTORTRADING_TEST_SCALE_SUBSCRIPTIONS";

    /// <summary>The count without <see cref="SubscriptionsVariable"/>.</summary>
    public const int DefaultSubscriptions = 3000;

    private static readonly int Subscribers =
        int.TryParse(Environment.GetEnvironmentVariable(SubscriptionsVariable), CultureInfo.InvariantCulture, out var count) && count > 0 ? count : DefaultSubscriptions;

    /// <summary>Which node dies mid-broadcast.</summary>
    public enum Victim
    {
        BotNode,
        SubscriptionNode,
    }

    // Binance's REQUEST_WEIGHT limit (2400 a minute) is per IP, and every node here is on 127.0.0.1: a few hundred
    // subscriptions of one signal (account, leverage, order, and after the kill a query by client order id each) spend it
    // within seconds, and the rest fail with "limit reached, nothing sent". That is the client keeping the venue's limit,
    // not the failover under test, so this venue's limit is lifted.
    protected override SimulatorLimits Limits => new() { BinanceWeightPerMinute = 1_000_000 };

    [Theory]
    [InlineData(Victim.BotNode)]
    [InlineData(Victim.SubscriptionNode)]
    public async Task A_node_killed_hard_mid_broadcast_to_many_subscriptions_loses_no_outcome_and_doubles_no_order(Victim victim)
    {
        var postgres = Database.ConnectionString;
        var setup = Stopwatch.GetTimestamp();
        var bot = await Scenario.CreateBotAsync(Cluster.Nodes, Simulator, $"scale-{victim}".ToLowerInvariant(), Subscribers, parallelism: 12);
        var created = Stopwatch.GetElapsedTime(setup);
        var botHome = await Scenario.HomeOfAsync(Cluster, postgres, "bot", bot.Id);
        var killed = victim == Victim.BotNode ? botHome : Cluster.Nodes.First(n => n != botHome);
        var ingress = Cluster.Nodes.First(n => n != killed);
        // Half the orders take two seconds more: when the first outcomes are in, the rest are on their way.
        Simulator.State.Faults = new FaultSettings { LatencyRate = 0.5, LatencyMs = 2_000, PathPrefix = "/fapi/v1/order", Method = "POST" };

        var sent = Stopwatch.GetTimestamp();
        var signalId = await Scenario.SignalAsync(ingress, bot, "buy");
        await Eventually.HoldsAsync(async () => await OutcomeCountAsync(signalId) > 0, "the first outcomes", TimeSpan.FromSeconds(60));
        await killed.KillAsync();
        var atKill = await OutcomeCountAsync(signalId);
        Simulator.State.Faults = new FaultSettings();

        atKill.ShouldBeLessThan(Subscribers, "the kill came after the fan-out had ended: the scenario did not happen");
        await Scenario.OutcomesAsync(postgres, [signalId], Subscribers, TimeSpan.FromSeconds(60 + (Subscribers / 20)), () => ingress.Output);
        output.WriteLine($"{Subscribers} subscriptions (created in {created.TotalSeconds:0} s); {victim} killed at {atKill} outcomes; "
            + $"webhook → last outcome {Stopwatch.GetElapsedTime(sent).TotalSeconds:0.0} s");
        var outcomes = await Scenario.OutcomesOfAsync(postgres, signalId);
        outcomes.ShouldAllBe(o => o.Status == "executed", Scenario.NotExecuted(outcomes));
        var orders = Simulator.State.Orders().GroupBy(o => o.ClientOrderId).ToDictionary(g => g.Key ?? "", g => g.Count());
        bot.Subscriptions.Select(s => orders.GetValueOrDefault(ClientOrderIds.For(s, signalId, ClientOrderIds.Legs.Open))).ShouldAllBe(count => count == 1);
        await new ClusterChecker(postgres, Simulator.BaseUrl).AssertAllAsync(acknowledgedSignals: [signalId]);
    }

    private Task<long> OutcomeCountAsync(string signalId) =>
        Scenario.ScalarAsync<long>(Database.ConnectionString, "SELECT count(*) FROM bot_signal_executions WHERE signal_id = @s AND status <> 'unanswered'", ("s", signalId));
}
