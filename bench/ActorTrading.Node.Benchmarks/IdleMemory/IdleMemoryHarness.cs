using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ActorTrading.Actors;
using ActorTrading.Actors.Sharding;
using ActorTrading.Trading;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>idle-memory</c>: managed memory held per idle subscription on a node, after each subscription processed one
/// signal (a buy: account read, leverage, market order, stop-loss, take-profit). Growth of
/// <see cref="GC.GetTotalMemory(bool)"/> after forced collections, step by step, divided by N; the subscription
/// entities' own share is what is freed when they are stopped. Baseline in the same process: N bare
/// <see cref="ReceiveActor"/>s that each received one message.
/// </summary>
public static class IdleMemoryHarness
{
    public const int DefaultSubscriptions = 10_000;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(300);

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var count = HarnessArguments.Int(args, "--subscriptions", DefaultSubscriptions);
        var store = BenchNode.Name(kind);
        Console.WriteLine(
            $"idle-memory --store {store}: {count:N0} paper subscriptions of one bot, each after one signal (buy); bytes = growth of GC.GetTotalMemory(true) "
            + "after GC.Collect, WaitForPendingFinalizers, GC.Collect, divided by the count; baseline: as many bare ReceiveActors that each received one message");
        await using var node = await BenchNode.StartAsync(kind, "idle-memory");
        Console.WriteLine($"store: {node.Details}");
        var runtime = node.Runtime;

        // JIT, type loading, pools and statics: a bot of 100 subscriptions and one signal, and a baseline of 1,000, before measuring.
        var warm = await BenchBot.CreateAsync(runtime, "warm");
        await warm.AddPaperSubscriptionsAsync(100);
        await SignalAsync(node, warm, "warm-up");
        await BareActorsAsync(1_000);

        var bare = await BareActorsAsync(count);

        var bot = await BenchBot.CreateAsync(runtime, "idle");
        var range = bot.Plan(count);
        await CatchUpAsync(node);
        var m0 = Settled();
        await bot.RegisterAccountsAsync(range);
        await CatchUpAsync(node);
        var m1 = Settled();
        await bot.CreateSubscriptionsAsync(range);
        await CatchUpAsync(node);
        var m2 = Settled();
        await bot.AddSubscribersAsync(range);
        await CatchUpAsync(node);
        var m3 = Settled();
        var signal = Stopwatch.GetTimestamp();
        var outcome = await SignalAsync(node, bot, "measured");
        var signalTime = Stopwatch.GetElapsedTime(signal);
        var m4 = Settled();

        var subscriptionsStopped = await StopAsync(runtime.Regions.Subscriptions, bot.SubscriptionIds);
        var m5 = Settled();
        var accountsStopped = await StopAsync(runtime.Accounts, bot.AccountIds);
        var m6 = Settled();
        GC.KeepAlive(bot);

        double PerSubscription(long from, long to) => (to - from) / (double)count;
        var entities = PerSubscription(m5, m4);
        Console.WriteLine();
        Console.WriteLine($"signal: {outcome.Statuses} in {signalTime.TotalSeconds:F1} s");
        Console.WriteLine("per subscription (bytes, managed heap):");
        Console.WriteLine($"  {"accounts registered (account entity, after RegisterAccount)",-78}{PerSubscription(m0, m1),8:F0}");
        Console.WriteLine($"  {"subscriptions created (entity + its backoff supervisor, shard entry)",-78}{PerSubscription(m1, m2),8:F0}");
        Console.WriteLine($"  {"added to the bot (its subscriber set)",-78}{PerSubscription(m2, m3),8:F0}");
        Console.WriteLine($"  {"one signal processed (gateway, paper account, entity state after a trade)",-78}{PerSubscription(m3, m4),8:F0}");
        Console.WriteLine($"  {"= everything one more subscriber holds on this node",-78}{PerSubscription(m0, m4),8:F0}");
        Console.WriteLine($"  {"freed by stopping the subscription entities" + (subscriptionsStopped ? "" : " (NOT all stopped)"),-78}{entities,8:F0}");
        Console.WriteLine($"  {"freed by then stopping the account entities" + (accountsStopped ? "" : " (NOT all stopped)"),-78}{PerSubscription(m6, m5),8:F0}");
        Console.WriteLine($"  {"left (gateways, paper accounts, the bot's state, shard bookkeeping)",-78}{PerSubscription(m0, m6),8:F0}");
        Console.WriteLine($"baseline: bare ReceiveActor after one message{"",33}{bare,8:F0}");
        Console.WriteLine();
        Console.WriteLine(
            $"result: idle-memory {store}, {count:N0} subscriptions after one signal: {entities:F0} B per idle subscription entity (freed when stopped) vs {bare:F0} B per bare ReceiveActor "
            + $"= ratio {entities / bare:F1}; everything per subscriber (account entity, subscription entity, gateway, paper account, bot's set) {PerSubscription(m0, m4):F0} B = ratio {PerSubscription(m0, m4) / bare:F1}");
        return outcome.Executed == count && subscriptionsStopped && accountsStopped ? 0 : 1;
    }

    /// <summary>Posts one buy and waits until every outcome is in the read model and both projections caught up.</summary>
    private static async Task<SignalOutcome> SignalAsync(BenchNode node, BenchBot bot, string alertId)
    {
        using var response = await node.Http.PostAsync(bot.WebhookUri, bot.AlertContent("buy", alertId));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        var signalId = body.RootElement.GetProperty("signal_id").GetString()!;
        var subscribers = body.RootElement.GetProperty("subscribers").GetInt32();
        var started = Stopwatch.GetTimestamp();
        while ((await ReadModelQueries.ExecutionsAsync(node.Runtime, signalId) < subscribers || await ReadModelQueries.FanOutCompletedAtAsync(node.Runtime, signalId) is null)
               && Stopwatch.GetElapsedTime(started) < s_stuckAfter)
        {
            await Task.Delay(50);
        }

        await CatchUpAsync(node);
        return await ReadModelQueries.OutcomeAsync(node.Runtime, signalId);
    }

    /// <summary>Stops the entities for good (their region's stop message, as passivation sends it) and waits until their shards no longer have them.</summary>
    private static async Task<bool> StopAsync(IActorRef region, IReadOnlyList<string> entityIds)
    {
        foreach (var id in entityIds)
        {
            region.Tell(new ShardingEnvelope(id, TradingRegions.StopEntity.Instance), ActorRefs.NoSender);
        }

        var ids = new HashSet<string>(entityIds, StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < s_stuckAfter)
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(30));
            if (!state.Shards.Any(shard => shard.EntityIds.Any(ids.Contains)))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task<double> BareActorsAsync(int count)
    {
        var system = ActorSystem.Create("bare-actors");
        try
        {
            var received = new Countdown(count);
            var props = Props.Create(() => new BareActor(received));
            var refs = new IActorRef[count];
            var message = new object();
            var before = Settled();
            for (var i = 0; i < count; i++)
            {
                refs[i] = system.ActorOf(props);
            }

            for (var i = 0; i < count; i++)
            {
                refs[i].Tell(message, ActorRefs.NoSender);
            }

            await received.Completed.WaitAsync(s_stuckAfter);
            var after = Settled();
            GC.KeepAlive(refs);
            return (after - before) / (double)count;
        }
        finally
        {
            await system.Terminate().WaitAsync(s_stuckAfter);
        }
    }

    private static async Task CatchUpAsync(BenchNode node)
    {
        await node.Runtime.ReadModel.WaitUntilCaughtUpAsync(s_stuckAfter);
        await node.Runtime.OperationLog.WaitUntilCaughtUpAsync(s_stuckAfter);
        await Task.Delay(200);
    }

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
