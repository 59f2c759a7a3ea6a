using System.Diagnostics;
using ActorTrading.ExchangeSimulator;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// What every exchange client must do, stated once and run against each venue through the simulator over
/// loopback HTTP (the paper exchange can inherit it too). Each test owns its simulator and its API key.
/// </summary>
public abstract class ExchangeScenarios : IAsyncLifetime
{
    private SimulatorHost? _simulator;

    protected abstract ExchangeName Exchange { get; }

    /// <summary>The venue's order-placing path (where a lost response is provoked).</summary>
    protected abstract string OrderPath { get; }

    /// <summary>Where the venue lists symbol filters, and where it tells its time.</summary>
    protected abstract (string Filters, string Time) SharedPaths { get; }

    protected SimulatorHost Simulator => _simulator!;

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _simulator!.DisposeAsync();

    [Fact]
    public async Task Accounts_on_one_host_share_its_symbol_filters_and_server_time()
    {
        // Issue 16: every account fetched exchangeInfo and /time on first use, 100 accounts 100 times each.
        foreach (var account in new[] { Client(out _), Client(out _), Client(out _) })
        {
            (await account.GetSymbolFiltersAsync("BTCUSDT")).StepSize.ShouldBeGreaterThan(0m);
            await account.GetPositionsAsync();
        }

        (Simulator.State.RequestCount(SharedPaths.Filters), Simulator.State.RequestCount(SharedPaths.Time)).ShouldBe((1, 1));
    }

    [Fact]
    public async Task Opens_a_long_from_flat_at_the_scripted_price()
    {
        var account = Client(out var key);
        Simulator.State.SetPrice("BTCUSDT", 64050.2m);

        var order = await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "open-1"));

        order.ShouldBe(order with { Symbol = "BTCUSDT", ClientOrderId = "open-1", Side = OrderSide.Buy, Status = OrderStatus.Filled, ExecutedQuantity = 0.002m, AveragePrice = 64050.2m, ReduceOnly = false });
        (await account.GetPositionsAsync()).ShouldBe([new Position("BTCUSDT", 0.002m, 64050.2m, 0m, 20)]);
        Simulator.State.Orders().Where(o => o.ApiKey == key).Select(o => o.ClientOrderId).ShouldBe(["open-1"]);
    }

    [Fact]
    public async Task Closes_a_position_with_a_reduce_only_order_and_realizes_the_profit()
    {
        var account = Client(out _);
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("ETHUSDT", OrderSide.Sell, 0.5m, "short-1"));
        Simulator.State.SetPrice("ETHUSDT", 2900m);

        var close = await account.PlaceMarketOrderAsync(new MarketOrderRequest("ETHUSDT", OrderSide.Buy, 0.5m, "close-1", ReduceOnly: true));

        close.Status.ShouldBe(OrderStatus.Filled);
        close.ReduceOnly.ShouldBeTrue();
        (await account.GetPositionsAsync()).ShouldBeEmpty();
        (await account.GetRealizedPnlAsync(since)).ShouldBe(50m);
        (await account.GetBalanceAsync()).WalletBalance.ShouldBe(10_050m);
    }

    [Fact]
    public async Task Reduce_only_with_nothing_to_reduce_is_rejected_with_the_venue_reason()
    {
        var account = Client(out var key);

        var error = await Should.ThrowAsync<ExchangeException>(() =>
            account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Sell, 0.002m, "reduce-1", ReduceOnly: true)));

        error.Kind.ShouldBe(ExchangeErrorKind.Rejected);
        error.VenueMessage.ShouldNotBeNullOrWhiteSpace();
        Simulator.State.Orders().Count(o => o.ApiKey == key).ShouldBe(0);
    }

    [Fact]
    public async Task Sets_leverage_and_setting_the_same_leverage_again_is_success()
    {
        var account = Client(out _);

        await account.SetLeverageAsync("BTCUSDT", 7);
        await account.SetLeverageAsync("BTCUSDT", 7);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "lev-1"));

        (await account.GetPositionsAsync()).Single().Leverage.ShouldBe(7);
        var invalid = await Should.ThrowAsync<ExchangeException>(() => account.SetLeverageAsync("BTCUSDT", 500));
        invalid.Kind.ShouldBe(ExchangeErrorKind.Rejected);
    }

    [Fact]
    public async Task A_duplicate_client_order_id_is_rejected_as_duplicate_and_nothing_more_is_placed()
    {
        var account = Client(out var key);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "dup-1"));

        var error = await Should.ThrowAsync<ExchangeException>(() => account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "dup-1")));

        error.Kind.ShouldBe(ExchangeErrorKind.Rejected);
        error.Code.ShouldBe(ExchangeErrorCodes.DuplicateClientOrderId);
        Simulator.State.Orders().Count(o => o.ApiKey == key).ShouldBe(1);
    }

    [Fact]
    public async Task A_lost_response_is_resolved_by_querying_the_client_order_id_and_the_order_exists_once()
    {
        var account = Client(out var key);
        await account.GetBalanceAsync(); // clock synced before the fault
        Simulator.State.Faults = new FaultSettings { LostResponseRate = 1, PathPrefix = OrderPath, Method = "POST", MaxFaultedCalls = 1 };

        var order = await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "lost-1"));

        order.Status.ShouldBe(OrderStatus.Filled);
        order.ClientOrderId.ShouldBe("lost-1");
        Simulator.State.Orders().Count(o => o.ApiKey == key && o.ClientOrderId == "lost-1").ShouldBe(1);
    }

    [Fact]
    public async Task Symbol_filters_come_from_the_venue_and_an_order_below_the_minimum_notional_is_rejected()
    {
        var account = Client(out var key);

        var filters = await account.GetSymbolFiltersAsync("BTCUSDT");
        filters.StepSize.ShouldBe(0.001m);
        filters.TickSize.ShouldBe(0.1m);
        filters.MaxQuantity.ShouldBe(120m);
        var error = await Should.ThrowAsync<ExchangeException>(() => account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.0001m, "tiny-1")));
        error.Kind.ShouldBe(ExchangeErrorKind.Rejected);
        (await Should.ThrowAsync<ExchangeException>(() => account.GetSymbolFiltersAsync("NOPEUSDT"))).Kind.ShouldBe(ExchangeErrorKind.Rejected);
        Simulator.State.Orders().Count(o => o.ApiKey == key).ShouldBe(0);
    }

    [Fact]
    public async Task A_stop_loss_is_queryable_by_client_id_and_closes_the_position_when_the_price_crosses()
    {
        var account = Client(out _);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "entry-1"));

        var stop = await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 59000m, "sl-1"));
        var takeProfit = await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.TakeProfit, 65000m, "tp-1"));
        stop.Status.ShouldBe(OrderStatus.New);
        (await account.GetOrderAsync("BTCUSDT", "sl-1"))!.Status.ShouldBe(OrderStatus.New);
        Simulator.State.SetPrice("BTCUSDT", 58900m);

        (await account.GetPositionsAsync()).ShouldBeEmpty();
        (await account.GetOrderAsync("BTCUSDT", "sl-1"))!.Status.ShouldBe(OrderStatus.Filled);
        await account.CancelOrderAsync("BTCUSDT", takeProfit.ClientOrderId);
        (await account.GetOrderAsync("BTCUSDT", "tp-1"))!.Status.ShouldBe(OrderStatus.Canceled);
    }

    [Fact]
    public async Task An_unknown_client_order_id_queries_as_null_and_cancels_without_error()
    {
        var account = Client(out _);

        (await account.GetOrderAsync("BTCUSDT", "never-1")).ShouldBeNull();
        await account.CancelOrderAsync("BTCUSDT", "never-1");
    }

    [Fact]
    public async Task A_client_order_id_the_venue_cannot_take_is_refused_before_sending_naming_it()
    {
        var account = Client(out var key);

        var error = await Should.ThrowAsync<ExchangeException>(() =>
            account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, new string('x', 37))));

        error.Code.ShouldBe(ExchangeErrorCodes.UnsupportedRequest);
        error.VenueMessage.ShouldContain(new string('x', 37));
        Simulator.State.Orders().Count(o => o.ApiKey == key).ShouldBe(0);
    }

    [Fact]
    public async Task A_clock_that_drifted_outside_the_receive_window_is_resynced_and_the_call_retried_once()
    {
        var account = Client(out var key);
        await account.GetBalanceAsync();
        Simulator.State.ClockOffsetMs = 20_000;

        var order = await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "drift-1"));

        order.Status.ShouldBe(OrderStatus.Filled);
        Simulator.State.Orders().Count(o => o.ApiKey == key).ShouldBe(1);
    }

    [Fact]
    public async Task A_429_is_honoured_for_its_Retry_After_and_then_succeeds()
    {
        var account = Client(out _);
        await account.GetBalanceAsync();
        Simulator.State.Faults = new FaultSettings { TooManyRequestsRate = 1, MaxFaultedCalls = 1 };
        var watch = Stopwatch.StartNew();

        (await account.GetBalanceAsync()).WalletBalance.ShouldBe(10_000m);

        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task A_ban_stops_the_account_and_is_reported_as_account_fatal_until_it_ends()
    {
        var account = Client(out _);
        Simulator.State.Faults = new FaultSettings { Banned = true };

        var error = await Should.ThrowAsync<ExchangeException>(() => account.GetBalanceAsync());
        error.Kind.ShouldBe(ExchangeErrorKind.AccountFatal);
        error.Code.ShouldBe(ExchangeErrorCodes.Banned);
        Simulator.State.Faults = new FaultSettings();

        var stillStopped = await Should.ThrowAsync<ExchangeException>(() => account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "ban-1")));
        stillStopped.Code.ShouldBe(ExchangeErrorCodes.Banned);
        Simulator.State.Orders().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_wrong_secret_is_account_fatal()
    {
        var account = Client(out var key);
        Simulator.State.RegisterAccount(key, "another-secret");

        var error = await Should.ThrowAsync<ExchangeException>(() => account.GetBalanceAsync());

        error.Kind.ShouldBe(ExchangeErrorKind.AccountFatal);
    }

    [Fact]
    public async Task The_mark_price_is_the_scripted_price()
    {
        var account = Client(out _);
        Simulator.State.SetPrice("ETHUSDT", 3123.45m);

        (await account.GetMarkPriceAsync("ETHUSDT")).ShouldBe(3123.45m);
    }

    private IExchangeAccount Client(out string apiKey)
    {
        apiKey = "key-" + Guid.NewGuid().ToString("N")[..12];
        return TestClients.Create(Exchange, Simulator, apiKey);
    }
}

public sealed class BinanceScenarios : ExchangeScenarios
{
    protected override ExchangeName Exchange => ExchangeName.Binance;

    protected override string OrderPath => "/fapi/v1/order";

    protected override (string Filters, string Time) SharedPaths => ("/fapi/v1/exchangeInfo", "/fapi/v1/time");
}

public sealed class BybitScenarios : ExchangeScenarios
{
    protected override ExchangeName Exchange => ExchangeName.Bybit;

    protected override string OrderPath => "/v5/order/create";

    protected override (string Filters, string Time) SharedPaths => ("/v5/market/instruments-info", "/v5/market/time");
}
