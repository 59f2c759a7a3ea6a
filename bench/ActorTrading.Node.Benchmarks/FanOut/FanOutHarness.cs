using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ActorTrading.Exchanges;
using ActorTrading.Persistence.Sqlite;
using ActorTrading.Trading;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>fan-out</c>: one webhook signal to N (10,000) paper subscriptions of one bot on one node. Measures the time
/// from the POST to the last outcome in <c>bot_signal_executions</c>, and separates the entities' work (the bot's
/// <c>FanOutCompleted</c>, stamped when the last receipt arrived) from the read model's lag. Baseline in the same
/// run: the same N orders placed by a bare parallel loop on N paper accounts (<see cref="BareAccounts"/>).
/// </summary>
public static class FanOutHarness
{
    public const int DefaultSubscriptions = 10_000;

    /// <summary>Warm-up rounds (a buy and a close each) before the measured signals: the JIT's tiered compilation
    /// recompiles hot methods in the background for several seconds after they first run, and on 2 cores that
    /// thread took a fifth of the machine during the first measured signals. A node runs for weeks; the figures are
    /// meant for that steady state.</summary>
    public const int DefaultWarmupRounds = 3;

    /// <summary>Measured rounds (a close and a buy each). One signal says little on a shared machine, where the same
    /// fan-out takes anywhere from 0.3 to 0.6 s from one run to the next; the aim is judged on every measured signal.</summary>
    public const int DefaultRounds = 5;

    /// <summary>The issue's aim: POST to the last recorded outcome.</summary>
    public static readonly TimeSpan Aim = TimeSpan.FromSeconds(0.5);

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);
    private const int TimelineBucketMs = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var count = HarnessArguments.Int(args, "--subscriptions", DefaultSubscriptions);
        var warmupRounds = HarnessArguments.Int(args, "--warmup-rounds", DefaultWarmupRounds);
        var rounds = Math.Max(1, HarnessArguments.Int(args, "--rounds", DefaultRounds));
        var store = BenchNode.Name(kind);
        Console.WriteLine(
            $"fan-out --store {store}: one bot, {count:N0} paper subscriptions (each its own paper account, the bot's defaults 10x / 100 USD / SL 2 % / TP 4 %), "
            + $"BTCUSDT fixed at 64,000; signals: {warmupRounds} × (buy, close) and a buy to warm up, then {rounds} × (close, buy) measured; {Environment.ProcessorCount} processors");
        await using var node = await BenchNode.StartAsync(kind, "fan-out");
        Console.WriteLine($"store: {node.Details}");
        var runtime = node.Runtime;

        var bot = await BenchBot.CreateAsync(runtime, "fanout");
        var started = Stopwatch.GetTimestamp();
        var setup = await bot.AddPaperSubscriptionsAsync(count);

        // Another bot with one subscriber, sent the same signal just after each measured one: what one bot's fan-out
        // costs the others (its 202, and its one outcome).
        var bystander = await BenchBot.CreateAsync(runtime, "bystander");
        await bystander.AddPaperSubscriptionsAsync(1);
        Console.WriteLine($"set-up through the regions in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s ({setup})");
        await CatchUpAsync(node);

        long transactions = 0;
        runtime.Stores.ProjectionStore.EventsWritten += () => Interlocked.Increment(ref transactions);
        using var client = node.NewClient();
        var quantity = BareAccounts.Quantity(node.Prices);

        // JIT of the baselines, on accounts of their own.
        var warm = new BareAccounts(node.Prices, 1_000, "warm");
        await warm.SetLeverageAsync();
        await warm.MarketOrdersAsync(OrderSide.Buy, quantity, reduceOnly: false);
        await warm.MarketOrdersAsync(OrderSide.Sell, quantity, reduceOnly: true);
        await warm.SubscriptionCallsAsync(OrderSide.Buy, quantity, reduceOnly: false);
        await warm.SubscriptionCallsAsync(OrderSide.Sell, quantity, reduceOnly: true);
        var bare = new BareAccounts(node.Prices, count, "bare");
        await bare.SetLeverageAsync();

        Console.WriteLine();
        for (var round = 1; round <= warmupRounds; round++)
        {
            var buy = await FireAsync(node, client, bot, "buy", $"warm-up-buy-{round}", () => Volatile.Read(ref transactions));
            var sell = await FireAsync(node, client, bot, "close", $"warm-up-close-{round}", () => Volatile.Read(ref transactions));
            Console.WriteLine($"warm-up round {round} (not a result): buy {Seconds(buy.ReadModelComplete)}, close {Seconds(sell.ReadModelComplete)} to the last row; "
                + $"{buy.Outcome.Statuses}; {sell.Outcome.Statuses}");
        }

        var warmup = await FireAsync(node, client, bot, "buy", "warm-up", () => Volatile.Read(ref transactions));
        await BystanderAsync(runtime, client, bystander, "buy", "bystander-warm-up");
        await BystanderAsync(runtime, client, bystander, "close", "bystander-warm-up-close");
        var bystanderAlone = await BystanderAsync(runtime, client, bystander, "buy", "bystander-alone");
        await BystanderAsync(runtime, client, bystander, "close", "bystander-alone-close");
        Print("buy (warm-up" + (warmupRounds == 0 ? ": gateways created, leverage set" : "") + "; not a result)", warmup, count);
        await bare.MarketOrdersAsync(OrderSide.Buy, quantity, reduceOnly: false); // the same long as the subscriptions now hold

        var close = await FireAsync(node, client, bot, "close", "measured-close", () => Volatile.Read(ref transactions), bystander);
        Print("close (one reduce-only market order each, then the cancel of the buy's stop-loss and take-profit)", close, count);
        var closeBare = await bare.MarketOrdersAsync(OrderSide.Sell, quantity, reduceOnly: true);

        var open = await FireAsync(node, client, bot, "buy", "measured-buy", () => Volatile.Read(ref transactions), bystander);
        Print("buy (one market order, then a stop-loss and a take-profit each)", open, count);
        var openBare = await bare.MarketOrdersAsync(OrderSide.Buy, quantity, reduceOnly: false);

        // The wider baseline (every exchange call of a subscription through a gateway), on the same accounts; the buy first,
        // so that the close has its stop-loss and take-profit to cancel.
        var openCalls = await bare.SubscriptionCallsAsync(OrderSide.Buy, quantity, reduceOnly: false);
        var closeCalls = await bare.SubscriptionCallsAsync(OrderSide.Sell, quantity, reduceOnly: true);

        Console.WriteLine();
        Console.WriteLine($"baseline: {count:N0} bare PaperAccount.PlaceMarketOrderAsync in Parallel.ForEachAsync ({Environment.ProcessorCount} workers):");
        Console.WriteLine($"  close (reduce-only sell)   {closeBare.TotalMilliseconds,8:F1} ms   ({count / closeBare.TotalSeconds:N0} orders/s)");
        Console.WriteLine($"  buy                        {openBare.TotalMilliseconds,8:F1} ms   ({count / openBare.TotalSeconds:N0} orders/s)");
        Console.WriteLine($"wider baseline: every exchange call of a subscription through an AccountGateway per account (account read, order{(open.Outcome.Executed > 0 ? ", stop-loss and take-profit for the buy, their cancel for the close" : "")}):");
        Console.WriteLine($"  close                      {closeCalls.TotalMilliseconds,8:F1} ms");
        Console.WriteLine($"  buy                        {openCalls.TotalMilliseconds,8:F1} ms");
        var acceptedBytes = await ReadModelQueries.ScalarAsync(runtime, "SELECT MAX(length(payload)) FROM event_journal WHERE manifest = @manifest", ("manifest", "bot.signal-accepted.v2"));
        Console.WriteLine($"the bot's SignalAccepted event (written before the 202): {acceptedBytes:N0} bytes of JSON");
        Console.WriteLine();

        // More rounds, one line each (the first round's details are above).
        var measured = new List<(string Action, FanOutResult Result)> { ("close", close), ("buy", open) };
        Console.WriteLine($"round 1: {Line("close", close)}; {Line("buy", open)}");
        for (var round = 2; round <= rounds; round++)
        {
            var nextClose = await FireAsync(node, client, bot, "close", $"measured-close-{round}", () => Volatile.Read(ref transactions), bystander);
            var nextBuy = await FireAsync(node, client, bot, "buy", $"measured-buy-{round}", () => Volatile.Read(ref transactions), bystander);
            measured.Add(("close", nextClose));
            measured.Add(("buy", nextBuy));
            Console.WriteLine($"round {round}: {Line("close", nextClose)}; {Line("buy", nextBuy)}");
        }

        Console.WriteLine();

        var ok = true;
        foreach (var (name, result, baseline, calls) in new[] { ("close", close, closeBare, closeCalls), ("buy", open, openBare, openCalls) })
        {
            var total = result.ReadModelComplete;
            var entities = result.FanOutCompleted;
            Console.WriteLine(
                $"result: fan-out {store} {name}, {count:N0} subscriptions: POST -> last outcome in bot_signal_executions {Seconds(total)} "
                + $"(202 after {result.Ack.TotalMilliseconds:F1} ms; every entity done [bot FanOutCompleted] at {Seconds(entities)}, read model {Seconds(total - entities)} after it) "
                + $"vs baseline {count:N0} bare PlaceMarketOrderAsync {baseline.TotalMilliseconds:F1} ms = ratio {total / baseline:F0} "
                + $"(entities alone {entities / baseline:F0}; vs every exchange call through gateways {calls.TotalMilliseconds:F1} ms: {total / calls:F0}); "
                + $"{result.Outcome.Statuses}; {result.Events:N0} events in {result.Transactions:N0} journal transactions");
            ok &= result.Outcome.Executed == count && !result.TimedOut;
        }

        foreach (var action in new[] { "close", "buy" })
        {
            var times = measured.Where(m => m.Action == action).Select(m => m.Result.ReadModelComplete).Order().ToList();
            Console.WriteLine($"result: fan-out {store} {action} over {times.Count} rounds: POST -> last outcome in bot_signal_executions median {Seconds(times[times.Count / 2])}, "
                + $"best {Seconds(times[0])}, worst {Seconds(times[^1])}");
        }

        var bystanders = measured.Select(m => m.Result.Bystander!.Value).ToList();
        Console.WriteLine($"result: fan-out {store}, another bot's signal (1 subscriber) posted right after each measured one: 202 after median "
            + $"{bystanders.Select(b => b.Ack.TotalMilliseconds).Order().ElementAt(bystanders.Count / 2):F1} ms (worst {bystanders.Max(b => b.Ack.TotalMilliseconds):F1} ms), "
            + $"its outcome in bot_signal_executions after median {Seconds(bystanders.Select(b => b.Outcome).Order().ElementAt(bystanders.Count / 2))} "
            + $"(worst {Seconds(bystanders.Max(b => b.Outcome))}); alone (warm-up, nothing else running) {bystanderAlone.Ack.TotalMilliseconds:F1} ms and {Seconds(bystanderAlone.Outcome)}");
        ok &= measured.All(m => m.Result.Outcome.Executed == count && !m.Result.TimedOut);
        var within = measured.Count(m => m.Result.ReadModelComplete < Aim);
        Console.WriteLine($"aim: under {Aim.TotalSeconds:F1} s from the POST to the last recorded outcome, every signal; {within} of {measured.Count} measured signals were: "
            + (within == measured.Count ? "met" : "NOT met"));
        return ok ? 0 : 1;
    }

    /// <summary>What one signal did, times from just before the POST.</summary>
    private sealed record FanOutResult(string SignalId, int Subscribers, TimeSpan Ack, TimeSpan ReadModelComplete, TimeSpan FirstCompleted, TimeSpan LastCompleted,
        TimeSpan FanOutCompleted, TimeSpan ProjectionsCaughtUp, SignalOutcome Outcome, long Events, long Transactions, bool TimedOut,
        TimeSpan Cpu, TimeSpan GcPause, int Gen2Collections, long Allocated, IReadOnlyList<long> CompletedTimeline,
        (TimeSpan Journal, TimeSpan Projections)? WriteLock, (TimeSpan Ack, TimeSpan Outcome)? Bystander = null);

    /// <summary>One signal to the bystander bot: its 202, and its one outcome in the read table, from just before its POST.</summary>
    private static async Task<(TimeSpan Ack, TimeSpan Outcome)> BystanderAsync(NodeRuntime runtime, HttpClient client, BenchBot bystander, string action, string alertId)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(bystander.WebhookUri, bystander.AlertContent(action, alertId));
        var ack = Stopwatch.GetElapsedTime(start);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"bystander webhook answered {(int)response.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        var signalId = body.RootElement.GetProperty("signal_id").GetString()!;
        while (await ReadModelQueries.ExecutionsAsync(runtime, signalId) < 1)
        {
            if (Stopwatch.GetElapsedTime(start) > s_stuckAfter)
            {
                throw new InvalidOperationException($"bystander signal {signalId}: no outcome after {s_stuckAfter.TotalSeconds:N0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2));
        }

        return (ack, Stopwatch.GetElapsedTime(start));
    }

    private static async Task<FanOutResult> FireAsync(BenchNode node, HttpClient client, BenchBot bot, string action, string alertId, Func<long> transactions, BenchBot? bystander = null)
    {
        var runtime = node.Runtime;
        var eventsBefore = await ReadModelQueries.JournalEventsAsync(runtime);
        var headBefore = await ReadModelQueries.JournalHeadAsync(runtime);
        var transactionsBefore = transactions();
        var wallStart = DateTimeOffset.UtcNow;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var sqlite = runtime.Stores.Journal is SqliteJournal journal && runtime.Stores.ProjectionStore is SqliteProjectionStore projections ? (journal, projections) : default;
        (TimeSpan Journal, TimeSpan Projections) WriteLockHeld() => (sqlite.journal.WriteLockHeld, sqlite.projections.WriteLockHeld);
        var lockBefore = sqlite.journal is null ? default : WriteLockHeld();
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(bot.WebhookUri, bot.AlertContent(action, alertId));
        var text = await response.Content.ReadAsStringAsync();
        var ack = Stopwatch.GetElapsedTime(start);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}: {text}");
        }

        var bystanding = bystander is null ? null : BystanderAsync(runtime, client, bystander, action, alertId + "-bystander");
        using var body = JsonDocument.Parse(text);
        var signalId = body.RootElement.GetProperty("signal_id").GetString()!;
        var subscribers = body.RootElement.GetProperty("subscribers").GetInt32();

        TimeSpan complete;
        var timedOut = false;
        while (true)
        {
            if (await ReadModelQueries.ExecutionsAsync(runtime, signalId) >= subscribers)
            {
                complete = Stopwatch.GetElapsedTime(start);
                break;
            }

            if (Stopwatch.GetElapsedTime(start) > s_stuckAfter)
            {
                complete = Stopwatch.GetElapsedTime(start);
                timedOut = true;
                Console.WriteLine($"  signal {signalId}: not every outcome in the read model after {s_stuckAfter.TotalSeconds:N0} s");
                break;
            }

            await Task.Delay(s_pollInterval);
        }

        var lockAfter = sqlite.journal is null ? default : WriteLockHeld();
        var writeLock = sqlite.journal is null
            ? ((TimeSpan Journal, TimeSpan Projections)?)null
            : (lockAfter.Journal - lockBefore.Journal, lockAfter.Projections - lockBefore.Projections);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var gcPause = GC.GetTotalPauseDuration() - gcPauseBefore;
        var gen2 = GC.CollectionCount(2) - gen2Before;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        (TimeSpan Ack, TimeSpan Outcome)? bystanderTimes = bystanding is null ? null : await bystanding;

        // The bot's FanOutCompleted follows the last receipt; its row is updated by the same projection.
        while (await ReadModelQueries.FanOutCompletedAtAsync(runtime, signalId) is null && Stopwatch.GetElapsedTime(start) < s_stuckAfter)
        {
            await Task.Delay(s_pollInterval);
        }

        await CatchUpAsync(node);
        var caughtUp = Stopwatch.GetElapsedTime(start);
        var events = await ReadModelQueries.JournalEventsAsync(runtime) - eventsBefore;
        var outcome = await ReadModelQueries.OutcomeAsync(runtime, signalId);
        var completed = await ReadModelQueries.JournalTimelineAsync(runtime, node.Kind == StoreKind.Postgres, TradingSerializer.SignalOutcome, headBefore, wallStart, TimelineBucketMs);
        TimeSpan Offset(DateTimeOffset? at) => at is { } value ? value - wallStart : TimeSpan.MaxValue;
        await Task.Delay(TimeSpan.FromSeconds(1)); // let the node settle before the baseline or the next signal
        return new FanOutResult(signalId, subscribers, ack, complete, Offset(outcome.FirstCompletedAt), Offset(outcome.LastCompletedAt), Offset(outcome.FanOutCompletedAt),
            caughtUp, outcome, events, transactions() - transactionsBefore, timedOut, cpu, gcPause, gen2, allocated, completed, writeLock, bystanderTimes);
    }

    private static void Print(string what, FanOutResult result, int count)
    {
        Console.WriteLine($"signal {what}:");
        Console.WriteLine($"  202 after {result.Ack.TotalMilliseconds:F1} ms ({result.Subscribers:N0} subscribers); {result.Outcome.Statuses}"
            + (result.Outcome.Reasons.Count > 0 ? $" ({string.Join("; ", result.Outcome.Reasons)})" : ""));
        Console.WriteLine($"  outcomes stored (completed_at): first at +{Seconds(result.FirstCompleted)}, last at +{Seconds(result.LastCompleted)}; "
            + $"bot's FanOutCompleted at +{Seconds(result.FanOutCompleted)}");
        Console.WriteLine($"  {result.Outcome.Executions:N0}th row in bot_signal_executions seen at +{Seconds(result.ReadModelComplete)} (polled every {s_pollInterval.TotalMilliseconds:N0} ms; "
            + $"{Seconds(result.ReadModelComplete - result.FanOutCompleted)} after FanOutCompleted); both projections caught up at +{Seconds(result.ProjectionsCaughtUp)}");
        Console.WriteLine($"  per subscription, SignalReceived -> outcome (elapsed_ms): {result.Outcome.ElapsedMs.Describe("ms", "F0")}");
        Console.WriteLine($"  outcomes the subscriptions persisted per {TimelineBucketMs} ms after the POST (journal created_at: when each asked): [{string.Join(" ", result.CompletedTimeline)}]");
        if (result.WriteLock is { } held)
        {
            Console.WriteLine($"  SQLite write locks held from the POST to the last row: the journal's file {held.Journal.TotalMilliseconds:F0} ms ({held.Journal / result.ReadModelComplete:P0} of the time), "
                + $"the read tables' file {held.Projections.TotalMilliseconds:F0} ms ({held.Projections / result.ReadModelComplete:P0})");
        }

        Console.WriteLine($"  journal: {result.Events:N0} events ({result.Events / (double)count:F1} per subscription) in {result.Transactions:N0} transactions "
            + $"({(result.Transactions == 0 ? 0 : result.Events / (double)result.Transactions):N0} events per transaction)");
        Console.WriteLine($"  process CPU from the POST to the last row: {result.Cpu.TotalSeconds:F3} s on {Environment.ProcessorCount} processors over {Seconds(result.ReadModelComplete)} "
            + $"({result.Cpu / (result.ReadModelComplete * Environment.ProcessorCount):P0} of the machine); GC paused it {result.GcPause.TotalMilliseconds:F0} ms, {result.Gen2Collections} gen-2 collections; "
            + $"{result.Allocated / (double)count / 1024:F1} KB allocated per subscription");
    }

    private static string Line(string action, FanOutResult result) =>
        $"{action} {Seconds(result.ReadModelComplete)} (entities {Seconds(result.FanOutCompleted)}, read model +{Seconds(result.ReadModelComplete - result.FanOutCompleted)}, "
        + $"GC {result.GcPause.TotalMilliseconds:F0} ms"
        + (result.Bystander is { } other ? $"; another bot's 202 {other.Ack.TotalMilliseconds:F0} ms, its outcome {Seconds(other.Outcome)}" : "") + ")";

    private static async Task CatchUpAsync(BenchNode node)
    {
        await node.Runtime.ReadModel.WaitUntilCaughtUpAsync(s_stuckAfter);
        await node.Runtime.OperationLog.WaitUntilCaughtUpAsync(s_stuckAfter);
    }

    private static string Seconds(TimeSpan value) => value == TimeSpan.MaxValue ? "n/a" : $"{value.TotalSeconds:F3} s";
}
