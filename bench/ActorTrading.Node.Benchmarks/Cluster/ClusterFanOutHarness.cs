using System.Diagnostics;
using System.Globalization;
using ActorTrading.ExchangeSimulator;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>cluster-fan-out</c>: one webhook signal to N (10,000) Binance subscriptions of one bot, spread over 3 node processes
/// started with <c>--cluster</c> on PostgreSQL, through the real Binance client against the in-process simulator. Measures
/// the time from the POST to the last outcome in <c>bot_signal_executions</c>. Baseline in the same run: the same on a
/// cluster of 1 node process (a member like the others, on a database of its own), its signals interleaved with the
/// 3 nodes' so that both see the same neighbours on the shared machine. Reports the ratio and the CPU both took.
/// </summary>
public static class ClusterFanOutHarness
{
    public const int DefaultSubscriptions = 10_000;
    public const int DefaultRounds = 3;
    public const int DefaultWarmupRounds = 2;

    /// <summary>The issue's aim on this 2-core machine: 3 nodes within 1.5x one node.</summary>
    public const double AimRatio = 1.5;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>As <c>capacity</c>: the venue's limits would pace N accounts on one IP over minutes; our own cost is measured.</summary>
    internal static readonly SimulatorLimits Raised = new()
    {
        BinanceWeightPerMinute = 100_000_000,
        BinanceOrdersPer10Seconds = 1_000_000,
        BinanceOrdersPerMinute = 1_000_000,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var count = HarnessArguments.Int(args, "--subscriptions", DefaultSubscriptions);
        var rounds = Math.Max(1, HarnessArguments.Int(args, "--rounds", DefaultRounds));
        var warmupRounds = HarnessArguments.Int(args, "--warmup-rounds", DefaultWarmupRounds);
        await using var simulator = await SimulatorHost.StartAsync(Raised);
        simulator.State.SetPrice("BTCUSDT", 64_000m);
        Console.WriteLine(
            $"cluster-fan-out: one bot, {count:N0} Binance subscriptions (each its own account and key; 10x / 100 USD / SL 2 % / TP 4 %) through the real client against the "
            + $"in-process simulator (limits RAISED as in capacity), on 3 node processes --cluster vs on 1 node process --cluster (baseline), each on a PostgreSQL database of its own; "
            + $"{warmupRounds} warm-up rounds, then {rounds} measured rounds of (close, buy), the two clusters' signals interleaved; {Environment.ProcessorCount} processors");

        var started = Stopwatch.GetTimestamp();
        await using var one = await BenchCluster.StartAsync("cluster_fan_out_one", 1, simulator.BaseUrl);
        await using var three = await BenchCluster.StartAsync("cluster_fan_out_three", 3, simulator.BaseUrl);
        Console.WriteLine($"4 node processes ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");

        // Both set up at once: a bot adds one subscriber per journal write, so this is bound by that write's latency, not the CPU.
        var bots = new Dictionary<BenchCluster, ClusterBot>();
        foreach (var (cluster, bot) in await Task.WhenAll(new[] { (one, "one"), (three, "three") }.Select(c => SetUpAsync(c.Item1, c.Item2, simulator, count))))
        {
            bots[cluster] = bot;
        }

        var ok = true;
        for (var round = 1; round <= warmupRounds; round++)
        {
            foreach (var cluster in new[] { one, three })
            {
                var buy = await FireAsync(cluster, bots[cluster], "buy", $"warm-up-buy-{round}");
                var close = await FireAsync(cluster, bots[cluster], "close", $"warm-up-close-{round}");
                Console.WriteLine($"warm-up round {round} (not a result), {cluster.Name}: buy {Seconds(buy.Complete)}, close {Seconds(close.Complete)}; {buy.Statuses}; {close.Statuses}");
            }
        }

        foreach (var cluster in new[] { one, three })
        {
            // A close needs a position: the warm-up ends flat.
            var buy = await FireAsync(cluster, bots[cluster], "buy", "warm-up-last-buy");
            Console.WriteLine($"warm-up (not a result), {cluster.Name}: buy {Seconds(buy.Complete)}; {buy.Statuses}");
            Console.WriteLine($"{cluster.Name}: bot on {await cluster.HomeOfAsync(bots[cluster].BotId) ?? "?"}; webhooks posted to {cluster.Nodes[0].Authority}; "
                + $"subscription shards per member: {await cluster.ShardsPerMemberAsync("subscription")}; account shards per member: {await cluster.ShardsPerMemberAsync("account")}");
        }

        Console.WriteLine();
        var measured = new List<(string Action, Fired One, Fired Three)>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var action in new[] { "close", "buy" })
            {
                // Alternate which cluster goes first, so that neither always follows the other's load.
                var oneFirst = (round + (action == "buy" ? 1 : 0)) % 2 == 0;
                var first = await FireAsync(oneFirst ? one : three, bots[oneFirst ? one : three], action, $"measured-{action}-{round}");
                var second = await FireAsync(oneFirst ? three : one, bots[oneFirst ? three : one], action, $"measured-{action}-{round}");
                var (a, b) = oneFirst ? (first, second) : (second, first);
                measured.Add((action, a, b));
                Console.WriteLine($"round {round} {action}: 1 node {Describe(a, count)}");
                Console.WriteLine($"round {round} {action}: 3 nodes {Describe(b, count)}; ratio {b.Complete / a.Complete:F2}");
                ok &= a.Executed == a.Subscribers && b.Executed == b.Subscribers && !a.TimedOut && !b.TimedOut;
            }
        }

        Console.WriteLine();
        var worst = 0.0;
        foreach (var action in new[] { "close", "buy" })
        {
            var of = measured.Where(m => m.Action == action).ToList();
            var oneMedian = Median(of.Select(m => m.One.Complete.TotalSeconds));
            var threeMedian = Median(of.Select(m => m.Three.Complete.TotalSeconds));
            var ratios = of.Select(m => m.Three.Complete / m.One.Complete).ToList();
            worst = Math.Max(worst, threeMedian / oneMedian);
            Console.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"result: cluster-fan-out {action}, {count:N0} Binance subscriptions, {of.Count} rounds: POST -> last outcome in bot_signal_executions ")
                + $"on 3 nodes median {threeMedian:F3} s (best {of.Min(m => m.Three.Complete.TotalSeconds):F3}, worst {of.Max(m => m.Three.Complete.TotalSeconds):F3}) "
                + $"vs 1 node median {oneMedian:F3} s (best {of.Min(m => m.One.Complete.TotalSeconds):F3}, worst {of.Max(m => m.One.Complete.TotalSeconds):F3}) = ratio of medians {threeMedian / oneMedian:F2} "
                + $"(per round {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); node CPU median 3 nodes "
                + $"{Median(of.Select(m => m.Three.NodeCpu.TotalSeconds)):F2} s vs 1 node {Median(of.Select(m => m.One.NodeCpu.TotalSeconds)):F2} s; "
                + $"202 median 3 nodes {Median(of.Select(m => m.Three.Ack.TotalMilliseconds)):F1} ms vs 1 node {Median(of.Select(m => m.One.Ack.TotalMilliseconds)):F1} ms");
        }

        Console.WriteLine($"aim: 3 nodes within {AimRatio:F1}x one node on this {Environment.ProcessorCount}-core machine: worst ratio of medians {worst:F2}, " + (worst <= AimRatio ? "met" : "NOT met"));
        return ok ? 0 : 1;
    }

    private static async Task<(BenchCluster, ClusterBot)> SetUpAsync(BenchCluster cluster, string prefix, SimulatorHost simulator, int count)
    {
        try
        {
            var step = Stopwatch.GetTimestamp();
            var bot = await cluster.CreateBotAsync($"fan-out-{prefix}");
            var accounts = await cluster.CreateAccountsAsync(simulator, prefix, count);
            var accountsTime = Stopwatch.GetElapsedTime(step);
            await cluster.SubscribeAsync(simulator, bot, accounts);
            Console.WriteLine($"{cluster.Name}: set-up through the API (round-robin over its nodes, 32 calls in flight, the other cluster's at the same time): {count:N0} accounts "
                + $"{accountsTime.TotalSeconds:F1} s, {count:N0} subscriptions {(Stopwatch.GetElapsedTime(step) - accountsTime).TotalSeconds:F1} s; calls answered 503 and made again: {cluster.Retried}; shard moves: {await cluster.LeaseHistoryAsync()}");
            return (cluster, bot);
        }
        catch (Exception failure)
        {
            Console.WriteLine($"{cluster.Name}: set-up failed: {failure.Message}\nshard moves: {await cluster.LeaseHistoryAsync()}\n{cluster.Tail()}");
            throw;
        }
    }

    /// <summary>One signal: the 202, the last outcome in the read model, every entity done (the bot's <c>FanOutCompleted</c>),
    /// the outcomes, and the CPU of the cluster's node processes and of the whole machine from the POST to the last row.</summary>
    private sealed record Fired(string SignalId, int Subscribers, TimeSpan Ack, TimeSpan Complete, TimeSpan? FanOutCompleted, long Executed, string Statuses, bool TimedOut,
        TimeSpan NodeCpu, TimeSpan HarnessCpu, TimeSpan MachineBusy);

    private static async Task<Fired> FireAsync(BenchCluster cluster, ClusterBot bot, string action, string alertId)
    {
        var nodeCpu = cluster.Cpu;
        var harnessCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var machine = MachineCpu.Busy();
        var wallStart = DateTimeOffset.UtcNow; // PostgreSQL's clock is this machine's
        var start = Stopwatch.GetTimestamp();
        var (signalId, subscribers, ack) = await BenchCluster.PostAlertAsync(cluster.Nodes[0], bot, action, alertId);
        var timedOut = false;
        while (await cluster.ScalarAsync("SELECT COUNT(*) FROM bot_signal_executions WHERE signal_id = @id", ("id", signalId)) < subscribers)
        {
            if (Stopwatch.GetElapsedTime(start) > s_stuckAfter)
            {
                timedOut = true;
                Console.WriteLine($"  {cluster.Name} signal {signalId}: not every outcome in the read model after {s_stuckAfter.TotalSeconds:N0} s");
                break;
            }

            await Task.Delay(s_pollInterval);
        }

        var complete = Stopwatch.GetElapsedTime(start);
        var spentNodes = cluster.Cpu - nodeCpu;
        var spentHarness = Process.GetCurrentProcess().TotalProcessorTime - harnessCpu;
        var busy = MachineCpu.Busy() - machine;

        // Every entity done: the bot stamps fan_out_completed_at when the last receipt came; wait for it (bounded), so the next
        // signal starts on an idle cluster, then let it settle.
        TimeSpan? fanOut = null;
        while (Stopwatch.GetElapsedTime(start) < s_stuckAfter)
        {
            var at = await cluster.ScalarAsync("SELECT COALESCE((extract(epoch FROM fan_out_completed_at) * 1000)::bigint, 0) FROM bot_signals WHERE signal_id = @id", ("id", signalId));
            if (at > 0)
            {
                fanOut = DateTimeOffset.FromUnixTimeMilliseconds(at) - wallStart;
                break;
            }

            await Task.Delay(s_pollInterval);
        }

        var statuses = await cluster.StatusesAsync(signalId);
        var executed = statuses.GetValueOrDefault("executed");
        var text = string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Value:N0} {s.Key}"));
        if (executed != subscribers)
        {
            text += $" ({await cluster.ReasonsAsync(signalId)})";
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        return new Fired(signalId, subscribers, ack, complete, fanOut, executed, text, timedOut, spentNodes, spentHarness, busy);
    }

    private static string Describe(Fired fired, int count) =>
        $"202 {fired.Ack.TotalMilliseconds:F1} ms, last outcome {Seconds(fired.Complete)} (every entity done ~{(fired.FanOutCompleted is { } f ? Seconds(f) : "?")}); {fired.Statuses}; "
        + $"CPU: nodes {fired.NodeCpu.TotalSeconds:F2} s ({fired.NodeCpu.TotalMicroseconds / count:N0} us per subscription), harness+simulator {fired.HarnessCpu.TotalSeconds:F2} s, "
        + $"machine busy {fired.MachineBusy.TotalSeconds:F2} of {fired.Complete.TotalSeconds * Environment.ProcessorCount:F2} core-s";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Seconds(TimeSpan value) => $"{value.TotalSeconds:F3} s";
}

/// <summary>The whole machine's busy CPU time (<c>/proc/stat</c>: user to steal, every state but idle and iowait; guest time is in user already): the nodes, PostgreSQL,
/// the harness and anyone else on the machine.</summary>
internal static class MachineCpu
{
    public static TimeSpan Busy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var busy = fields.Sum() - fields[3] - fields[4];
        return TimeSpan.FromSeconds(busy / 100.0); // USER_HZ
    }
}
