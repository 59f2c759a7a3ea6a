using System.Diagnostics;
using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// One deadline per exchange call (issue 16): the caller sets it (<see cref="ExchangeDeadline"/>, as the account gateway
/// does at its call time limit) and the client keeps its rate-limit waits, retry delays and attempts inside it. What
/// would end after the deadline is not started: the call fails at once, as outcome unknown only when an attempt may
/// have reached the venue. No token is passed, so only the client's own handling of the deadline can end a call early.
/// </summary>
public abstract class DeadlineSpecs : IAsyncLifetime
{
    private SimulatorHost? _simulator;

    protected abstract ExchangeName Exchange { get; }

    protected abstract string MarkPricePath { get; }

    protected abstract string OrderPath { get; }

    /// <summary>How the venue's 5xx of the simulator classifies (Binance's 503 -1001 was not executed; Bybit's bare 502 may have been).</summary>
    protected abstract ExchangeErrorKind ServerErrorKind { get; }

    private SimulatorHost Simulator => _simulator ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await Simulator.DisposeAsync();

    [Fact]
    public async Task A_rate_limit_wait_that_would_end_after_the_deadline_is_not_started_and_nothing_is_sent()
    {
        var client = await ReadyClientAsync(TestClients.Settings);
        // One 429 with Retry-After 1 s: the client blocks the window for a second.
        Simulator.State.Faults = new FaultSettings { TooManyRequestsRate = 1, PathPrefix = MarkPricePath, MaxFaultedCalls = 1 };

        var (error, elapsed) = await FailWithinAsync(TimeSpan.FromMilliseconds(400), () => client.GetMarkPriceAsync("BTCUSDT"));

        error.Code.ShouldBe(ExchangeErrorCodes.DeadlineExceeded, error.Message);
        error.Kind.ShouldBe(ExchangeErrorKind.Retryable);
        error.VenueMessage.ShouldContain("nothing sent");
        // Under the Retry-After (a wait taken lasts at least that), not the deadline: a busy machine adds scheduling time.
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        Simulator.State.RequestCount(MarkPricePath).ShouldBe(1, "only the attempt that got the 429");
    }

    [Fact]
    public async Task A_retry_whose_delay_would_end_after_the_deadline_is_not_started()
    {
        var client = await ReadyClientAsync(TestClients.Settings with { RetryBaseDelay = TimeSpan.FromMinutes(5) });
        Simulator.State.Faults = new FaultSettings { ServerErrorRate = 1, PathPrefix = MarkPricePath };

        var (error, elapsed) = await FailWithinAsync(TimeSpan.FromSeconds(2), () => client.GetMarkPriceAsync("BTCUSDT"));

        error.Code.ShouldBe(ExchangeErrorCodes.DeadlineExceeded, error.Message);
        error.Kind.ShouldBe(ServerErrorKind, "as the attempt's own error");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
        Simulator.State.RequestCount(MarkPricePath).ShouldBe(1);
    }

    [Fact]
    public async Task An_order_whose_answer_was_lost_fails_as_outcome_unknown_when_its_retry_would_end_after_the_deadline()
    {
        var client = await ReadyClientAsync(TestClients.Settings with { RetryBaseDelay = TimeSpan.FromMinutes(5) });
        Simulator.State.Faults = new FaultSettings { LostResponseRate = 1, PathPrefix = OrderPath, Method = "POST", MaxFaultedCalls = 1 };

        var (error, elapsed) = await FailWithinAsync(TimeSpan.FromSeconds(2),
            () => client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "deadline-lost")));

        error.Code.ShouldBe(ExchangeErrorCodes.DeadlineExceeded, error.Message);
        error.Kind.ShouldBe(ExchangeErrorKind.OutcomeUnknown, "the order reached the venue");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
        Simulator.State.Orders().Count(o => o.ClientOrderId == "deadline-lost").ShouldBe(1);
    }

    [Fact]
    public async Task An_attempt_never_waits_for_an_answer_past_the_deadline()
    {
        var client = await ReadyClientAsync(TestClients.Settings with { RequestTimeout = TimeSpan.FromSeconds(20) });
        // Held unanswered for 30 s, not executed.
        Simulator.State.Faults = new FaultSettings { TimeoutRate = 1, PathPrefix = OrderPath, Method = "POST" };

        var (error, elapsed) = await FailWithinAsync(TimeSpan.FromSeconds(1),
            () => client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "deadline-held")));

        error.Code.ShouldBe(ExchangeErrorCodes.DeadlineExceeded, error.Message);
        error.Kind.ShouldBe(ExchangeErrorKind.OutcomeUnknown, "the order was sent and never answered");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "the client's own 20 s attempt limit is cut to the call's 1 s");
    }

    private async Task<IExchangeAccount> ReadyClientAsync(ExchangeClientSettings settings)
    {
        var client = TestClients.Create(Exchange, Simulator, settings: settings);
        await client.GetSymbolFiltersAsync("BTCUSDT"); // clock and filters before the deadline
        await client.GetBalanceAsync();
        return client;
    }

    private static async Task<(ExchangeException Error, TimeSpan Elapsed)> FailWithinAsync(TimeSpan deadline, Func<Task> call)
    {
        var started = Stopwatch.GetTimestamp();
        Task running;
        using (ExchangeDeadline.Begin(deadline))
        {
            running = call();
        }

        var error = await Should.ThrowAsync<ExchangeException>(running);
        return (error, Stopwatch.GetElapsedTime(started));
    }
}

public sealed class BinanceDeadlineSpecs : DeadlineSpecs
{
    protected override ExchangeName Exchange => ExchangeName.Binance;

    protected override string MarkPricePath => "/fapi/v1/premiumIndex";

    protected override string OrderPath => "/fapi/v1/order";

    protected override ExchangeErrorKind ServerErrorKind => ExchangeErrorKind.Retryable;
}

public sealed class BybitDeadlineSpecs : DeadlineSpecs
{
    protected override ExchangeName Exchange => ExchangeName.Bybit;

    protected override string MarkPricePath => "/v5/market/tickers";

    protected override string OrderPath => "/v5/order/create";

    protected override ExchangeErrorKind ServerErrorKind => ExchangeErrorKind.OutcomeUnknown;
}
