using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>capacity</c>: one webhook signal to N (10,000) Binance subscriptions of one bot, each its own account and API key,
/// through the real Binance client against the in-process simulator (signing, server time, filters, rate windows,
/// HTTP on loopback). Measures the POST to the last outcome in <c>bot_signal_executions</c>, against a bare blast of N
/// signed market orders through the same client on N accounts of their own, in the same run. Checks that every
/// protective order (stop-loss, take-profit) the buy should place is open on the simulator, and that the close
/// cancelled them, unless the outcome says otherwise.
/// </summary>
public static class CapacityHarness
{
    public const int DefaultSubscriptions = 10_000;

    /// <summary>Rounds of a buy and a close (and of both baselines) before anything is measured.</summary>
    public const int DefaultWarmupRounds = 3;

    /// <summary>The issue's aim: the fan-out within twice the bare blast.</summary>
    public const double AimRatio = 2.0;

    private const string Symbol = "BTCUSDT";
    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The venue's documented limits (2,400 weight a minute per IP, 300 orders per 10 s per account) would pace N
    /// subscriptions on one IP over minutes: what is measured here is our own cost, so the simulator's limits are
    /// raised far above what a run uses (and published in its exchangeInfo, which the clients follow).
    /// </summary>
    private static readonly SimulatorLimits s_raised = new()
    {
        BinanceWeightPerMinute = 100_000_000,
        BinanceOrdersPer10Seconds = 1_000_000,
        BinanceOrdersPerMinute = 1_000_000,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var count = HarnessArguments.Int(args, "--subscriptions", DefaultSubscriptions);
        var warmupRounds = HarnessArguments.Int(args, "--warmup-rounds", DefaultWarmupRounds);
        var store = BenchNode.Name(kind);
        await using var simulator = await SimulatorHost.StartAsync(s_raised);
        simulator.State.SetPrice(Symbol, 64_000m);
        Console.WriteLine(
            $"capacity --store {store}: one bot, {count:N0} Binance subscriptions (each its own account and API key, the bot's defaults 10x / 100 USD / SL 2 % / TP 4 %) "
            + $"through the real Binance client against the in-process simulator at {simulator.BaseUrl}; BTCUSDT at 64,000; {Environment.ProcessorCount} processors");
        Console.WriteLine(
            $"note: the simulator's limits are RAISED for this run (REQUEST_WEIGHT {s_raised.BinanceWeightPerMinute:N0}/min per IP, ORDERS {s_raised.BinanceOrdersPer10Seconds:N0}/10 s "
            + $"and {s_raised.BinanceOrdersPerMinute:N0}/min per account; the venue's are 2,400, 300 and 1,200): at the venue's, {count:N0} accounts on one IP would be paced "
            + "over minutes by the venue, not by us");

        var exchanges = new ExchangeClientSettings { BinanceBaseUrl = simulator.BaseUrl, BybitBaseUrl = simulator.BaseUrl };
        await using var node = await BenchNode.StartAsync(kind, "capacity", exchanges: exchanges);
        Console.WriteLine($"store: {node.Details}");
        var runtime = node.Runtime;

        var bot = await BenchBot.CreateAsync(runtime, "capacity");
        var started = Stopwatch.GetTimestamp();
        var range = bot.Plan(count);
        foreach (var key in bot.ApiKeys)
        {
            simulator.State.RegisterAccount(key, BenchBot.SecretOf(key));
        }

        await bot.RegisterAccountsAsync(range, exchange: ExchangeName.Binance);
        await bot.CreateSubscriptionsAsync(range, exchange: ExchangeName.Binance);
        await bot.AddSubscribersAsync(range);
        Console.WriteLine($"set-up through the regions in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");

        // The baseline's accounts: as many, keys of their own, the same client the node makes.
        var factory = new ExchangeAccountFactory(exchanges);
        var bare = Enumerable.Range(0, count).Select(i =>
        {
            var key = $"bare-key-{i}";
            simulator.State.RegisterAccount(key, BenchBot.SecretOf(key));
            return factory.Create(ExchangeName.Binance, new ExchangeCredentials(key, BenchBot.SecretOf(key), Testnet: true));
        }).ToArray();
        var filters = await bare[0].GetSymbolFiltersAsync(Symbol);
        var quantity = Math.Floor(BenchBot.Defaults.MarginUsd * BenchBot.Defaults.Leverage / 64_000m / filters.StepSize) * filters.StepSize;

        using var client = node.NewClient();
        Console.WriteLine();

        // Warm-up, not a result: the gateways make their clients, the leverage is set once, the JIT compiles every path measured
        // (the node's and both baselines'). One round was not enough: tiered compilation was still recompiling hot methods on
        // a background thread through the measured signals (a fifth of the process's samples), as in fan-out.
        for (var round = 1; round <= warmupRounds; round++)
        {
            var warmBuy = await FireAsync(node, simulator, client, bot, "buy", $"capacity-warm-up-buy-{round}");
            var warmClose = await FireAsync(node, simulator, client, bot, "close", $"capacity-warm-up-close-{round}");
            var (warmBlast, _) = await BlastAsync(bare, $"warm-buy-{round}", OrderSide.Buy, quantity, reduceOnly: false);
            await BlastAsync(bare, $"warm-sell-{round}", OrderSide.Sell, quantity, reduceOnly: true);
            var (warmCalls, _) = await CallsAsync(bare, filters, $"warm-calls-buy-{round}", OrderSide.Buy, quantity, protectedBy: null);
            await CallsAsync(bare, filters, $"warm-calls-sell-{round}", OrderSide.Sell, quantity, protectedBy: $"warm-calls-buy-{round}");
            Console.WriteLine($"warm-up round {round} (not a result): buy {Seconds(warmBuy.Complete)}, close {Seconds(warmClose.Complete)}; {warmBuy.Outcome.Statuses}; "
                + $"{warmClose.Outcome.Statuses}; bare blast {warmBlast.TotalMilliseconds:F0} ms, the same calls bare {warmCalls.TotalMilliseconds:F0} ms");
        }


        var buy = await FireAsync(node, simulator, client, bot, "buy", "capacity-buy");
        Print("buy (a market order, then a stop-loss and a take-profit each)", buy);
        var buyBare = await BlastAsync(bare, "blast-buy", OrderSide.Buy, quantity, reduceOnly: false);
        var unprotected = ProtectionLeftOpen(simulator, bot, buy, placedByBuy: true);

        var close = await FireAsync(node, simulator, client, bot, "close", "capacity-close");
        Print("close (a reduce-only market order, then the cancel of the buy's stop-loss and take-profit)", close);
        var closeBare = await BlastAsync(bare, "blast-sell", OrderSide.Sell, quantity, reduceOnly: true);
        var buyCalls = await CallsAsync(bare, filters, "calls-buy", OrderSide.Buy, quantity, protectedBy: null);
        var closeCalls = await CallsAsync(bare, filters, "calls-sell", OrderSide.Sell, quantity, protectedBy: "calls-buy");
        var uncancelled = ProtectionLeftOpen(simulator, bot, buy with { Rows = close.Rows }, placedByBuy: false);

        Console.WriteLine();
        Console.WriteLine($"baseline: {count:N0} bare signed PlaceMarketOrderAsync through BinanceClient (one per account, all at once) against the same simulator:");
        Console.WriteLine($"  buy                        {buyBare.Elapsed.TotalMilliseconds,8:F1} ms   ({count / buyBare.Elapsed.TotalSeconds:N0} orders/s); {buyBare.Cost.Describe(count)}");
        Console.WriteLine($"  sell (reduce-only)         {closeBare.Elapsed.TotalMilliseconds,8:F1} ms   ({count / closeBare.Elapsed.TotalSeconds:N0} orders/s); {closeBare.Cost.Describe(count)}");
        Console.WriteLine("wider baseline: the exchange calls a subscription makes, bare, in its order per account, all accounts at once "
            + "(positions; the market order; then for the buy a stop-loss and a take-profit at once, for the close their two cancels at once):");
        Console.WriteLine($"  buy                        {buyCalls.Elapsed.TotalMilliseconds,8:F1} ms; {buyCalls.Cost.Describe(count)}");
        Console.WriteLine($"  close                      {closeCalls.Elapsed.TotalMilliseconds,8:F1} ms; {closeCalls.Cost.Describe(count)}");
        Console.WriteLine();

        var ok = true;
        foreach (var (name, result, (baseline, baselineCost), (calls, callsCost)) in new[] { ("buy", buy, buyBare, buyCalls), ("close", close, closeBare, closeCalls) })
        {
            var ratio = result.Complete / baseline;
            Console.WriteLine(
                $"result: capacity {store} {name}, {count:N0} Binance subscriptions on the simulator: POST -> last outcome in bot_signal_executions {Seconds(result.Complete)} "
                + $"(202 after {result.Ack.TotalMilliseconds:F1} ms) vs bare blast of {count:N0} signed market orders {baseline.TotalMilliseconds:F1} ms = ratio {ratio:F2} "
                + $"(vs the same calls bare {calls.TotalMilliseconds:F1} ms: {result.Complete / calls:F2}); "
                // The machine is shared: the CPU each figure took is steadier than its wall time.
                + $"CPU {result.Cost.Cpu.TotalMilliseconds:N0} ms vs {baselineCost.Cpu.TotalMilliseconds:N0} ms bare = {result.Cost.Cpu / baselineCost.Cpu:F2} "
                + $"(vs the same calls bare {callsCost.Cpu.TotalMilliseconds:N0} ms: {result.Cost.Cpu / callsCost.Cpu:F2}); {result.Outcome.Statuses}; {result.Requests}");
            ok &= result.Outcome.Executed == count && !result.TimedOut;
        }

        Console.WriteLine($"result: capacity {store}, protective orders missing on the simulator or left uncancelled without the outcome saying so: {unprotected.Unreported + uncancelled.Unreported} "
            + $"(after the buy {unprotected.Unreported} of {unprotected.Open} not open and unreported; after the close {uncancelled.Unreported} of {uncancelled.Open} still open and unreported; must be 0)");
        ok &= unprotected.Unreported + uncancelled.Unreported == 0;
        var worst = Math.Max(buy.Complete / buyBare.Elapsed, close.Complete / closeBare.Elapsed);
        Console.WriteLine($"aim: within {AimRatio:F0}x the bare blast, both signals: worst ratio {worst:F2}, " + (worst <= AimRatio ? "met" : "NOT met"));
        return ok ? 0 : 1;
    }

    /// <summary>What a figure cost the process (node, clients and simulator alike: they share it): CPU time, GC pause, bytes allocated.</summary>
    private readonly record struct Cost(TimeSpan Cpu, TimeSpan GcPause, long Allocated)
    {
        public static Cost Now() => new(Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

        public Cost Since(Cost start) => new(Cpu - start.Cpu, GcPause - start.GcPause, Allocated - start.Allocated);

        public string Describe(int count) =>
            $"CPU {Cpu.TotalMilliseconds:N0} ms ({Cpu.TotalMicroseconds / count:N0} us per account), GC pause {GcPause.TotalMilliseconds:N0} ms, {Allocated / count / 1024.0:N1} KB allocated per account";
    }

    /// <summary>One signal: its 202, the last outcome in the read model, each subscription's row, and the simulator's requests by path.</summary>
    private sealed record Signal(string SignalId, int Subscribers, TimeSpan Ack, TimeSpan Complete, bool TimedOut, SignalOutcome Outcome,
        IReadOnlyDictionary<string, (string Status, string? Reason)> Rows, string Requests, Cost Cost);

    // By method too: a place, a look-up and a cancel share a path.
    private static readonly (string Method, string Path)[] s_endpoints =
    [
        ("POST", "/fapi/v1/order"), ("GET", "/fapi/v1/order"), ("DELETE", "/fapi/v1/order"),
        ("POST", "/fapi/v1/algoOrder"), ("GET", "/fapi/v1/algoOrder"), ("DELETE", "/fapi/v1/algoOrder"),
        ("GET", "/fapi/v2/positionRisk"), ("GET", "/fapi/v1/premiumIndex"), ("GET", "/fapi/v1/income"), ("POST", "/fapi/v1/leverage"),
        ("GET", "/fapi/v1/exchangeInfo"), ("GET", "/fapi/v1/time"),
    ];

    private static async Task<Signal> FireAsync(BenchNode node, SimulatorHost simulator, HttpClient client, BenchBot bot, string action, string alertId)
    {
        var runtime = node.Runtime;
        var before = s_endpoints.Select(e => simulator.State.RequestCount(e.Method, e.Path)).ToArray();
        var wallStart = simulator.State.NowMs;
        var cost = Cost.Now();
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(bot.WebhookUri, bot.AlertContent(action, alertId));
        var text = await response.Content.ReadAsStringAsync();
        var ack = Stopwatch.GetElapsedTime(start);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        var signalId = body.RootElement.GetProperty("signal_id").GetString() ?? throw new InvalidOperationException("no signal_id");
        var subscribers = body.RootElement.GetProperty("subscribers").GetInt32();
        var timedOut = false;
        while (await ReadModelQueries.ExecutionsAsync(runtime, signalId) < subscribers)
        {
            if (Stopwatch.GetElapsedTime(start) > s_stuckAfter)
            {
                timedOut = true;
                Console.WriteLine($"  signal {signalId}: not every outcome in the read model after {s_stuckAfter.TotalSeconds:N0} s");
                break;
            }

            await Task.Delay(s_pollInterval);
        }

        var complete = Stopwatch.GetElapsedTime(start);
        var spent = Cost.Now().Since(cost);
        var counted = s_endpoints.Select((e, i) => (e.Method, e.Path, n: simulator.State.RequestCount(e.Method, e.Path) - before[i])).Where(p => p.n > 0).ToArray();
        var requests = string.Join(", ", counted.Select(p => $"{p.Method} {p.Path} {p.n:N0}"));
        // Per subscription: what one signal costs each account at the venue (the bare blast is 1 POST /fapi/v1/order).
        var perSubscription = string.Join(", ", counted.Select(p => $"{p.Method} {p.Path} {(double)p.n / subscribers:0.##}"));
        requests += $"; per subscription {(double)counted.Sum(p => p.n) / subscribers:0.##} requests ({perSubscription})";
        // When the simulator took each kind of order (its own clock, ms after the POST): where the signal's time goes.
        var timeline = string.Join(", ", simulator.State.Orders().Where(o => o.Time >= wallStart).GroupBy(o => o.Type)
            .Select(g => $"{g.Key} +{g.Min(o => o.Time) - wallStart}..+{g.Max(o => o.Time) - wallStart} ms"));
        requests += "; orders taken " + (timeline.Length == 0 ? "none" : timeline);
        var outcome = await ReadModelQueries.OutcomeAsync(runtime, signalId);
        var rows = await ReadModelQueries.ExecutionRowsAsync(runtime, signalId);
        await Task.Delay(TimeSpan.FromSeconds(1)); // let the node settle before the baseline or the next signal
        return new Signal(signalId, subscribers, ack, complete, timedOut, outcome, rows, "simulator requests: " + (requests.Length == 0 ? "none" : requests), spent);
    }

    /// <summary>N signed market orders, one per account, all at once.</summary>
    private static async Task<(TimeSpan Elapsed, Cost Cost)> BlastAsync(IExchangeAccount[] accounts, string tag, OrderSide side, decimal quantity, bool reduceOnly)
    {
        var cost = Cost.Now();
        var started = Stopwatch.GetTimestamp();
        var orders = await Task.WhenAll(accounts.Select((account, i) => account.PlaceMarketOrderAsync(new MarketOrderRequest(Symbol, side, quantity, $"{tag}-{i}", reduceOnly))));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var spent = Cost.Now().Since(cost);
        if (orders.FirstOrDefault(o => o.Status != OrderStatus.Filled) is { } order)
        {
            throw new InvalidOperationException($"bare order {order.ClientOrderId} is {order.Status}");
        }

        return (elapsed, spent);
    }

    /// <summary>The wider baseline: per account, in the order a subscription makes them, what it asks of the venue for the signal.</summary>
    private static async Task<(TimeSpan Elapsed, Cost Cost)> CallsAsync(IExchangeAccount[] accounts, SymbolFilters filters, string tag, OrderSide side, decimal quantity, string? protectedBy)
    {
        var cost = Cost.Now();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(accounts.Select(async (account, i) =>
        {
            await account.GetPositionsAsync();
            var order = await account.PlaceMarketOrderAsync(new MarketOrderRequest(Symbol, side, quantity, $"{tag}-{i}", ReduceOnly: protectedBy is not null));
            // As a subscription does: the two legs (or their cancels) at once, after the market order.
            if (protectedBy is not null)
            {
                await Task.WhenAll(
                    account.CancelOrderAsync(Symbol, $"{protectedBy}-{i}-{ProtectiveKind.StopLoss}"),
                    account.CancelOrderAsync(Symbol, $"{protectedBy}-{i}-{ProtectiveKind.TakeProfit}"));
                return;
            }

            await Task.WhenAll(Protection.For(side, order.AveragePrice, BenchBot.Defaults, filters).Select(leg =>
                account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest(Symbol, leg.Side, leg.Kind, leg.TriggerPrice, $"{tag}-{i}-{leg.Kind}"))));
        }));
        return (Stopwatch.GetElapsedTime(started), Cost.Now().Since(cost));
    }

    /// <summary>
    /// The buy's stop-loss and take-profit of every subscription, on the simulator: after the buy each must be open (NEW),
    /// after the close none may be; one that is not as it must be counts as unreported when its subscription's outcome
    /// is <c>executed</c> without a reason.
    /// </summary>
    private static (int Open, int Unreported) ProtectionLeftOpen(SimulatorHost simulator, BenchBot bot, Signal buy, bool placedByBuy)
    {
        var orders = new Dictionary<(string, string), string>();
        foreach (var order in simulator.State.Orders())
        {
            orders[(order.ApiKey, order.ClientOrderId)] = order.Status;
        }

        var open = 0;
        var unreported = 0;
        for (var i = 0; i < bot.SubscriptionIds.Count; i++)
        {
            var subscription = bot.SubscriptionIds[i];
            var said = buy.Rows.TryGetValue(subscription, out var row) && (row.Status != "executed" || !string.IsNullOrEmpty(row.Reason));
            foreach (var leg in new[] { ClientOrderIds.Legs.StopLoss, ClientOrderIds.Legs.TakeProfit })
            {
                var isOpen = orders.TryGetValue((bot.ApiKeys[i], ClientOrderIds.For(subscription, buy.SignalId, leg)), out var status) && status == "NEW";
                open += isOpen ? 1 : 0;
                unreported += isOpen != placedByBuy && !said ? 1 : 0;
            }
        }

        return (open, unreported);
    }

    private static void Print(string what, Signal result)
    {
        Console.WriteLine($"signal {what}:");
        Console.WriteLine($"  202 after {result.Ack.TotalMilliseconds:F1} ms ({result.Subscribers:N0} subscribers); last outcome in bot_signal_executions at +{Seconds(result.Complete)}; "
            + result.Outcome.Statuses + (result.Outcome.Reasons.Count > 0 ? $" ({string.Join("; ", result.Outcome.Reasons)})" : ""));
        Console.WriteLine($"  per subscription, SignalReceived -> outcome (elapsed_ms): {result.Outcome.ElapsedMs.Describe("ms", "F0")}");
        Console.WriteLine($"  {result.Requests}");
        Console.WriteLine($"  POST -> last outcome: {result.Cost.Describe(result.Subscribers)}");
    }

    private static string Seconds(TimeSpan value) => $"{value.TotalSeconds:F3} s";
}
