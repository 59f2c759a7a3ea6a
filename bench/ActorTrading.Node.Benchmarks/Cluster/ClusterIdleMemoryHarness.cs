using System.Diagnostics;
using System.Globalization;
using ActorTrading.ExchangeSimulator;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>cluster-idle-memory</c>: N (100,000) idle subscriptions spread over 3 node processes started with <c>--cluster</c> on
/// PostgreSQL, created through the API. Measures the resident memory (<c>VmRSS</c>) of the 3 processes together before
/// anything is created (the baseline, in the same run), after the accounts, and after the subscriptions, each once the
/// projections have caught up and the nodes have been idle; the result is the growth per subscription. The subscriptions
/// go to <c>--bots</c> (10) bots, each account subscribing to every bot, so that no one bot's one-write-at-a-time
/// <c>AddSubscriber</c> paces the creation and N/bots accounts are enough. Creation stops at <c>--minutes</c> (8), before
/// the first subscriptions would be passivated (idle for 10 minutes): what was created by then is what is measured.
/// </summary>
public static class ClusterIdleMemoryHarness
{
    public const int DefaultSubscriptions = 100_000;
    public const int DefaultBots = 10;
    public const int DefaultMinutes = 8;

    /// <summary>The issue's aim.</summary>
    public const double AimBytes = 4096;

    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = HarnessArguments.Int(args, "--subscriptions", DefaultSubscriptions);
        var botCount = Math.Max(1, HarnessArguments.Int(args, "--bots", DefaultBots));
        var minutes = HarnessArguments.Int(args, "--minutes", DefaultMinutes);
        var accountCount = (count + botCount - 1) / botCount;
        await using var simulator = await SimulatorHost.StartAsync(ClusterFanOutHarness.Raised);
        Console.WriteLine(
            $"cluster-idle-memory: {count:N0} idle Binance subscriptions to {botCount} bots ({accountCount:N0} accounts, each subscribed to every bot) over 3 node processes --cluster "
            + $"on PostgreSQL, created through the API (64 calls in flight, round-robin over the nodes), creation stopped after {minutes} min; resident memory (VmRSS) of the "
            + $"3 processes, the baseline before anything is created; {Environment.ProcessorCount} processors");
        await using var cluster = await BenchCluster.StartAsync("cluster_idle_memory", 3, simulator.BaseUrl);
        var bots = new List<ClusterBot>();
        for (var b = 0; b < botCount; b++)
        {
            bots.Add(await cluster.CreateBotAsync($"idle-{b}"));
        }

        var baseline = await SettledAsync(cluster, "baseline: 3 nodes up, the bots created, nothing else");
        var started = Stopwatch.GetTimestamp();
        var accounts = await cluster.CreateAccountsAsync(simulator, "idle", accountCount, parallelism: 64);
        Console.WriteLine($"{accountCount:N0} accounts in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        var afterAccounts = await SettledAsync(cluster, $"after {accountCount:N0} accounts");

        started = Stopwatch.GetTimestamp();
        var deadline = TimeSpan.FromMinutes(minutes);
        var created = 0;
        var cutShort = false;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (k, _) =>
        {
            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                cutShort = true;
                return;
            }

            await cluster.SubscribeOneAsync(simulator, bots[k % botCount].BotId, accounts[k / botCount], $"idle-retry-{k.ToString(CultureInfo.InvariantCulture)}");
            if (Interlocked.Increment(ref created) % 10_000 == 0)
            {
                Console.WriteLine($"  {Volatile.Read(ref created):N0} subscriptions after {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
            }
        });
        var creation = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"{created:N0} subscriptions in {creation.TotalSeconds:F1} s ({created / creation.TotalSeconds:N0}/s)"
            + $"; calls answered 503 and made again: {cluster.Retried}" + (cutShort ? $"; creation STOPPED at {minutes} min, {count - created:N0} not created" : ""));
        Console.WriteLine($"subscription shards per member: {await cluster.ShardsPerMemberAsync("subscription")}");
        var afterSubscriptions = await SettledAsync(cluster, $"after {created:N0} subscriptions");

        var perSubscription = (afterSubscriptions.Total - afterAccounts.Total) / (double)created;
        var withAccounts = (afterSubscriptions.Total - baseline.Total) / (double)created;
        var perAccount = (afterAccounts.Total - baseline.Total) / (double)accountCount;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result: cluster-idle-memory, {created:N0} idle subscriptions over 3 nodes: resident memory {perSubscription:N0} bytes per subscription "
            + $"(3 nodes' VmRSS {Mb(afterAccounts.Total)} after the accounts -> {Mb(afterSubscriptions.Total)}; per node {string.Join(" / ", afterSubscriptions.Nodes.Select((n, i) => Mb(n - afterAccounts.Nodes[i])))} grown); "
            + $"with the accounts {withAccounts:N0} bytes per subscription (baseline before anything: {Mb(baseline.Total)}); "
            + $"{perAccount:N0} bytes per account ({accountCount:N0}); created in {creation.TotalSeconds:F0} s"));
        Console.WriteLine($"aim: at most {AimBytes:N0} bytes per idle subscription: {perSubscription:N0}, " + (perSubscription <= AimBytes ? "met" : "NOT met")
            + (cutShort ? $" (measured on the {created:N0} created within {minutes} min, not {count:N0})" : ""));
        return created > 0 ? 0 : 1;
    }

    /// <summary>Each node's VmRSS once the projections have caught up and the nodes have been idle for a while.</summary>
    private static async Task<(long Total, long[] Nodes)> SettledAsync(BenchCluster cluster, string what)
    {
        if (!await cluster.CatchUpAsync(TimeSpan.FromMinutes(2)))
        {
            Console.WriteLine($"note: {what}: a projection still reported a lag after 2 min; measured anyway");
        }

        await Task.Delay(s_settle);
        var nodes = cluster.Nodes.Select(n => n.ResidentBytes).ToArray();
        Console.WriteLine($"{what}: VmRSS {string.Join(" + ", nodes.Select(Mb))} = {Mb(nodes.Sum())}");
        return (nodes.Sum(), nodes);
    }

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:N1} MB";
}
