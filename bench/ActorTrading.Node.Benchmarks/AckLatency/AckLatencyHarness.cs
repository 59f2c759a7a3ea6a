using System.Diagnostics;
using System.Net;
using System.Text;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>ack-latency</c>: the webhook's 202 under a steady signal rate (100/s for 20 s over 10 bots with 10 paper
/// subscriptions each, every alert with its own alert_id, each bot alternating buy and close so every signal trades),
/// sent open-loop. <c>--node-default-logging</c> leaves the node's ASP.NET Core log level as configured (Information). Baselines in the same run and process, at the same rate and for as long: a bare Kestrel endpoint
/// (<see cref="BareKestrel"/>) and the node's own <c>/health/live</c>.
/// </summary>
public static class AckLatencyHarness
{
    /// <summary>The issue's aim for the webhook's p99.</summary>
    public const double AimP99Milliseconds = 20;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(300);

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var rate = HarnessArguments.Int(args, "--rate", 100);
        var duration = TimeSpan.FromSeconds(HarnessArguments.Int(args, "--duration-s", 20));
        var botCount = HarnessArguments.Int(args, "--bots", 10);
        var perBot = HarnessArguments.Int(args, "--subscriptions-per-bot", 10);
        var store = BenchNode.Name(kind);
        Console.WriteLine(
            $"ack-latency --store {store}: {rate} signals/s open-loop for {duration.TotalSeconds:N0} s over {botCount} bots x {perBot} paper subscriptions "
            + $"(each bot alternates buy and close; distinct alert_id); baselines at the same rate for as long: a bare Kestrel POST endpoint, the node's GET /health/live; "
            + $"{Environment.ProcessorCount} processors");
        var defaultLogging = args.Contains("--node-default-logging");
        await using var node = await BenchNode.StartAsync(kind, "ack-latency", defaultLogging);
        if (defaultLogging)
        {
            Console.WriteLine("node logging: as configured by default (ASP.NET Core's Information lines for every request go to the console)");
        }

        Console.WriteLine($"store: {node.Details}");
        await using var bare = await BareKestrel.StartAsync();

        var bots = new List<BenchBot>();
        var started = Stopwatch.GetTimestamp();
        for (var b = 0; b < botCount; b++)
        {
            var bot = await BenchBot.CreateAsync(node.Runtime, $"ack{b}");
            await bot.AddPaperSubscriptionsAsync(perBot);
            bots.Add(bot);
        }

        Console.WriteLine($"set-up through the regions in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");

        using var nodeClient = node.NewClient();
        using var bareClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = bare.Address, Timeout = TimeSpan.FromSeconds(30) };
        var phase = "warm-up";
        HttpRequestMessage Webhook(int i)
        {
            var bot = bots[i % bots.Count];
            var action = (i / bots.Count) % 2 == 0 ? "buy" : "close";
            return new HttpRequestMessage(HttpMethod.Post, bot.WebhookUri) { Content = bot.AlertContent(action, $"{phase}-{i}") };
        }

        HttpRequestMessage BarePost(int i)
        {
            var bot = bots[i % bots.Count];
            return new HttpRequestMessage(HttpMethod.Post, $"/webhook/{bot.Path}") { Content = new StringContent(bot.Alert("buy", $"bare-{i}"), Encoding.UTF8, "text/plain") };
        }

        static HttpRequestMessage Health(int i) => new(HttpMethod.Get, "/health/live");

        // Warm-up: JIT, connections, and every subscription entity, gateway and leverage (two signals per bot: buy, close).
        var warmup = TimeSpan.FromSeconds(2);
        await OpenLoop.RunAsync(bareClient, BarePost, HttpStatusCode.Accepted, rate, warmup);
        await OpenLoop.RunAsync(nodeClient, Health, HttpStatusCode.OK, rate, warmup);
        var warmupSignals = 2 * bots.Count;
        var warm = await OpenLoop.RunAsync(nodeClient, Webhook, HttpStatusCode.Accepted, Math.Min(rate, warmupSignals), TimeSpan.FromSeconds(1));
        if (warm.Errors > 0)
        {
            throw new InvalidOperationException($"warm-up signals failed: {string.Join(" | ", warm.ErrorSamples)}");
        }

        await WaitForExecutionsAsync(node, warmupSignals * perBot);
        await node.Runtime.ReadModel.WaitUntilCaughtUpAsync(s_stuckAfter);
        await node.Runtime.OperationLog.WaitUntilCaughtUpAsync(s_stuckAfter);

        Console.WriteLine();
        var bareResult = await OpenLoop.RunAsync(bareClient, BarePost, HttpStatusCode.Accepted, rate, duration);
        Console.WriteLine($"baseline: bare Kestrel POST  {OpenLoop.Describe(bareResult)}");
        var health = await OpenLoop.RunAsync(nodeClient, Health, HttpStatusCode.OK, rate, duration);
        Console.WriteLine($"baseline: node /health/live  {OpenLoop.Describe(health)}");

        phase = "measured";
        var eventsBefore = await ReadModelQueries.JournalEventsAsync(node.Runtime);
        long transactions = 0;
        void CountTransaction() => Interlocked.Increment(ref transactions);
        node.Runtime.Stores.ProjectionStore.EventsWritten += CountTransaction;
        var webhook = await OpenLoop.RunAsync(nodeClient, Webhook, HttpStatusCode.Accepted, rate, duration);
        node.Runtime.Stores.ProjectionStore.EventsWritten -= CountTransaction;
        var lastAnswer = Stopwatch.GetTimestamp();
        Console.WriteLine($"node webhook (202)           {OpenLoop.Describe(webhook)}");
        Console.WriteLine($"generator lateness against its schedule: webhook {webhook.Lateness.Describe("ms")}; bare {bareResult.Lateness.Describe("ms")}");

        // Did the node keep up? Every signal's outcomes, drained after the last POST.
        var expected = (warmupSignals + webhook.Sent - webhook.Errors) * perBot;
        var drained = await WaitForExecutionsAsync(node, expected);
        var drain = Stopwatch.GetElapsedTime(lastAnswer);
        await node.Runtime.ReadModel.WaitUntilCaughtUpAsync(s_stuckAfter);
        var events = await ReadModelQueries.JournalEventsAsync(node.Runtime) - eventsBefore;
        var statuses = await ReadModelQueries.StatusCountsAsync(node.Runtime);
        var notExecuted = await ReadModelQueries.ScalarAsync(node.Runtime, "SELECT COUNT(*) FROM bot_signal_executions WHERE status <> 'executed'");
        var reasons = await ReadModelQueries.TopReasonsAsync(node.Runtime);
        Console.WriteLine(
            $"fan-out of the measured signals: {(drained ? "every" : "NOT every")} outcome in bot_signal_executions {drain.TotalSeconds:F2} s after the last 202 "
            + $"({expected:N0} rows expected, warm-up included: {statuses}{(reasons.Count > 0 ? $"; {string.Join("; ", reasons)}" : "")}); {events:N0} events journaled "
            + $"({events / (duration.TotalSeconds + drain.TotalSeconds):N0}/s over the run and the drain); {transactions:N0} journal transactions while the signals were sent "
            + $"({transactions / webhook.Elapsed.TotalSeconds:N0}/s, {events / (double)Math.Max(1, transactions):N1} events each on average)");
        if (notExecuted > 0)
        {
            Console.WriteLine(
                $"WRONG: {notExecuted:N0} outcomes are not 'executed'. Each bot alternates buy and close, so in order every signal trades; a buy skipped as "
                + "'already long' together with a close skipped as 'no open position' means a subscription processed two of its bot's signals out of order.");
        }

        Console.WriteLine();

        var p50 = webhook.Latency.At(0.50);
        var p99 = webhook.Latency.At(0.99);
        Console.WriteLine(
            $"result: ack-latency {store}, {rate} signals/s for {duration.TotalSeconds:N0} s ({botCount} bots x {perBot} subscriptions): 202 p50 {p50:F2} ms, p90 {webhook.Latency.At(0.90):F2} ms, "
            + $"p99 {p99:F2} ms, max {webhook.Latency.Max:F2} ms; baseline bare Kestrel POST p50 {bareResult.Latency.At(0.50):F2} ms, p99 {bareResult.Latency.At(0.99):F2} ms "
            + $"= ratio p50 {p50 / bareResult.Latency.At(0.50):F1}, p99 {p99 / bareResult.Latency.At(0.99):F1}; node /health/live p50 {health.Latency.At(0.50):F2} ms, p99 {health.Latency.At(0.99):F2} ms "
            + $"(ratio p50 {p50 / health.Latency.At(0.50):F1}, p99 {p99 / health.Latency.At(0.99):F1}); {webhook.Errors} errors; fan-out drained {drain.TotalSeconds:F1} s after the last 202; {notExecuted:N0} outcomes not executed");
        Console.WriteLine($"aim: webhook p99 under {AimP99Milliseconds:N0} ms at {rate} signals/s; measured {p99:F2} ms: " + (p99 < AimP99Milliseconds ? "met" : "NOT met"));
        return webhook.Errors == 0 && drained && notExecuted == 0 ? 0 : 1;
    }

    private static async Task<bool> WaitForExecutionsAsync(BenchNode node, long expected)
    {
        var started = Stopwatch.GetTimestamp();
        while (await ReadModelQueries.AllExecutionsAsync(node.Runtime) < expected)
        {
            if (Stopwatch.GetElapsedTime(started) > s_stuckAfter)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
