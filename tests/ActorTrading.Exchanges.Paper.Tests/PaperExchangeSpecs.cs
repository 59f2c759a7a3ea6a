namespace ActorTrading.Exchanges.Paper.Tests;

public sealed class PaperExchangeSpecs
{
    private readonly FixedPrices _prices = new();
    private readonly PaperExchange _exchange;
    private readonly PaperAccount _account;

    public PaperExchangeSpecs()
    {
        _exchange = new PaperExchange(_prices, new PaperExchangeSettings { TakerFeeRate = 0.0005m, Slippage = 0m, StartingBalance = 10_000m });
        _account = _exchange.Account("key-1");
    }

    private Task<ExchangeOrder> Market(OrderSide side, decimal quantity, string id, bool reduceOnly = false) =>
        _account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", side, quantity, id, reduceOnly));

    [Fact]
    public async Task A_market_order_fills_at_the_mark_price_with_the_fee_and_opens_a_position()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var order = await Market(OrderSide.Buy, 0.015m, "o-1");
        order.Status.ShouldBe(OrderStatus.Filled);
        order.AveragePrice.ShouldBe(64_000m);
        var position = (await _account.GetPositionsAsync()).Single();
        position.ShouldBe(new Position("BTCUSDT", 0.015m, 64_000m, 0m, 20));

        // Fee: 0.015 × 64,000 × 0.0005 = 0.48 USDT, realized at once.
        (await _account.GetRealizedPnlAsync(DateTimeOffset.MinValue)).ShouldBe(-0.48m);
    }

    [Fact]
    public async Task An_account_keeps_its_open_orders_and_only_its_newest_finished_ones()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var account = new PaperExchange(_prices, new PaperExchangeSettings { FinishedOrdersKept = 2 }).Account("key-kept");
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.015m, "m-0"));
        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 60_000m, "sl-0"));
        for (var i = 1; i <= 6; i++)
        {
            await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", i % 2 == 1 ? OrderSide.Sell : OrderSide.Buy, 0.015m, $"m-{i}", ReduceOnly: i % 2 == 1));
        }

        // The oldest go once half as many again have finished, so up to three are kept here, and always the newest two.
        account.Orders.Select(o => o.ClientOrderId).ShouldBe(["sl-0", "m-4", "m-5", "m-6"]);
        (await account.GetOrderAsync("BTCUSDT", "m-0")).ShouldBeNull();
        (await account.GetOrderAsync("BTCUSDT", "sl-0")).ShouldNotBeNull().Status.ShouldBe(OrderStatus.New);
    }

    [Fact]
    public async Task Realized_profit_and_loss_is_kept_for_two_days_and_asking_for_more_is_refused()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var account = new PaperExchange(_prices, new PaperExchangeSettings { Slippage = 0m, TimeProvider = clock }).Account("key-week");
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.015m, "m-1"));
        clock.Now += TimeSpan.FromDays(3);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Sell, 0.015m, "m-2", ReduceOnly: true));

        // The daily loss limit's question (since 00:00 UTC) is always within what is kept.
        (await account.GetRealizedPnlAsync(clock.Now - TimeSpan.FromDays(1))).ShouldBe(-0.48m);
        var refused = await Should.ThrowAsync<ArgumentOutOfRangeException>(() => account.GetRealizedPnlAsync(clock.Now - TimeSpan.FromDays(3)));
        refused.Message.ShouldContain("keeps realized profit and loss since 2026-01-02");
    }

    [Fact]
    public async Task Closing_realizes_the_profit_or_loss()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await Market(OrderSide.Buy, 0.01m, "open");
        _prices.Set("BTCUSDT", 63_000m);
        await Market(OrderSide.Sell, 0.01m, "close", reduceOnly: true);
        (await _account.GetPositionsAsync()).ShouldBeEmpty();

        // −1,000 × 0.01 = −10, fees 0.32 + 0.315.
        (await _account.GetRealizedPnlAsync(DateTimeOffset.MinValue)).ShouldBe(-10.635m);
        (await _account.GetBalanceAsync()).WalletBalance.ShouldBe(9_989.365m);
    }

    [Fact]
    public async Task Slippage_moves_the_fill_against_the_taker_rounded_to_the_tick()
    {
        var exchange = new PaperExchange(new FixedPrices(), new PaperExchangeSettings { Slippage = 0.0002m });
        var buy = await exchange.Account("k").PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "b"));
        buy.AveragePrice.ShouldBe(64_012.8m);
    }

    [Fact]
    public async Task The_venue_refuses_what_a_real_one_would()
    {
        _prices.Set("BTCUSDT", 64_000m);
        (await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Buy, 0.0015m, "step"))).Code.ShouldBe("filter-failure");
        (await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Buy, 0.001m, "notional"))).VenueMessage.ShouldContain("notional");
        (await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Sell, 0.01m, "reduce", reduceOnly: true))).Code.ShouldBe("reduce-only-rejected");
        (await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Buy, 10m, "margin"))).Code.ShouldBe("insufficient-margin");
        (await Should.ThrowAsync<ExchangeException>(() => _account.GetMarkPriceAsync("NOPEUSDT"))).Code.ShouldBe(ExchangeErrorCodes.UnknownSymbol);

        await Market(OrderSide.Buy, 0.01m, "dup");
        var duplicate = await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Buy, 0.01m, "dup"));
        duplicate.Code.ShouldBe(ExchangeErrorCodes.DuplicateClientOrderId);
        duplicate.Kind.ShouldBe(ExchangeErrorKind.Rejected);
        (await _account.GetOrderAsync("BTCUSDT", "dup"))!.Status.ShouldBe(OrderStatus.Filled);
        (await _account.GetOrderAsync("BTCUSDT", "never")).ShouldBeNull();
    }

    [Fact]
    public async Task Leverage_decides_the_margin_an_order_needs()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await _account.SetLeverageAsync("BTCUSDT", 1);
        (await Should.ThrowAsync<ExchangeException>(() => Market(OrderSide.Buy, 0.2m, "big"))).Code.ShouldBe("insufficient-margin");
        await _account.SetLeverageAsync("BTCUSDT", 10);
        await Market(OrderSide.Buy, 0.2m, "big-10x");
        _account.LeverageOf("BTCUSDT").ShouldBe(10);
        await Should.ThrowAsync<ExchangeException>(() => _account.SetLeverageAsync("BTCUSDT", 126));
    }

    [Fact]
    public async Task A_stop_loss_fires_when_the_price_crosses_it_and_cancels_the_take_profit()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await Market(OrderSide.Buy, 0.01m, "entry");
        await _account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 62_720m, "sl"));
        await _account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.TakeProfit, 66_560m, "tp"));

        _prices.Set("BTCUSDT", 63_000m);
        _exchange.CheckTriggers();
        (await _account.GetPositionsAsync()).Count.ShouldBe(1);

        _prices.Set("BTCUSDT", 62_700m);
        _exchange.CheckTriggers();
        (await _account.GetPositionsAsync()).ShouldBeEmpty();
        (await _account.GetOrderAsync("BTCUSDT", "sl"))!.Status.ShouldBe(OrderStatus.Filled);
        (await _account.GetOrderAsync("BTCUSDT", "tp"))!.Status.ShouldBe(OrderStatus.Canceled);
        (await _account.GetRealizedPnlAsync(DateTimeOffset.MinValue)).ShouldBeLessThan(-13m);
    }

    [Fact]
    public async Task Scripted_prices_move_one_step_at_a_time_hold_the_last_and_fire_the_stop_loss_they_cross()
    {
        var script = new ScriptedPrices(new Dictionary<string, IReadOnlyList<decimal>> { ["BTCUSDT"] = [64_000m, 63_000m, 62_000m] });
        var exchange = new PaperExchange(script, new PaperExchangeSettings { Slippage = 0m });
        var account = exchange.Account("scripted");
        script.PriceOf("ETHUSDT").ShouldBeNull();
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "entry", false));
        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 62_720m, "sl"));

        script.Step();
        exchange.CheckTriggers();
        script.PriceOf("BTCUSDT").ShouldBe(63_000m);
        (await account.GetOrderAsync("BTCUSDT", "sl"))!.Status.ShouldBe(OrderStatus.New);

        script.Step();
        exchange.CheckTriggers();
        (await account.GetOrderAsync("BTCUSDT", "sl"))!.ShouldSatisfyAllConditions(o => o.Status.ShouldBe(OrderStatus.Filled), o => o.AveragePrice.ShouldBe(62_000m));
        (await account.GetPositionsAsync()).ShouldBeEmpty();

        script.Step();
        script.PriceOf("BTCUSDT").ShouldBe(62_000m);
    }

    [Fact]
    public void A_script_with_no_price_or_a_price_of_zero_is_refused_naming_the_symbol_and_step()
    {
        Should.Throw<ArgumentException>(() => new ScriptedPrices(new Dictionary<string, IReadOnlyList<decimal>> { ["BTCUSDT"] = [] }))
            .Message.ShouldStartWith("BTCUSDT: the script has no price");
        Should.Throw<ArgumentException>(() => new ScriptedPrices(new Dictionary<string, IReadOnlyList<decimal>> { ["ETHUSDT"] = [3_000m, 0m] }))
            .Message.ShouldStartWith("ETHUSDT[1]: 0 is not a price");
    }

    [Fact]
    public async Task A_take_profit_on_a_short_fires_below_the_entry()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await Market(OrderSide.Sell, 0.01m, "short");
        await _account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Buy, ProtectiveKind.TakeProfit, 61_440m, "tp"));
        await Should.ThrowAsync<ExchangeException>(() => _account.PlaceProtectiveOrderAsync(
            new ProtectiveOrderRequest("BTCUSDT", OrderSide.Buy, ProtectiveKind.StopLoss, 63_000m, "sl-wrong-side")));

        _prices.Set("BTCUSDT", 61_000m);
        _exchange.CheckTriggers();
        (await _account.GetPositionsAsync()).ShouldBeEmpty();
        (await _account.GetRealizedPnlAsync(DateTimeOffset.MinValue)).ShouldBeGreaterThan(29m);
    }

    [Fact]
    public async Task A_flip_closes_and_reopens_at_the_fill_price()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await Market(OrderSide.Sell, 0.01m, "short");
        _prices.Set("BTCUSDT", 63_000m);
        await Market(OrderSide.Buy, 0.03m, "flip");
        (await _account.GetPositionsAsync()).Single().ShouldBe(new Position("BTCUSDT", 0.02m, 63_000m, 0m, 20));
    }

    [Fact]
    public async Task Accounts_are_separate_and_keyed_by_api_key()
    {
        _prices.Set("BTCUSDT", 64_000m);
        await Market(OrderSide.Buy, 0.01m, "mine");
        var other = _exchange.Create(ExchangeName.Paper, new ExchangeCredentials("key-2", "secret", Testnet: false));
        (await other.GetPositionsAsync()).ShouldBeEmpty();
        _exchange.Create(ExchangeName.Paper, new ExchangeCredentials("key-1", "secret", false)).ShouldBeSameAs(_account);
        Should.Throw<ArgumentException>(() => _exchange.Create(ExchangeName.Binance, new ExchangeCredentials("k", "s", false)));
    }
}
