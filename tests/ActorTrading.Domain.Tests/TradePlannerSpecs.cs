namespace ActorTrading.Domain.Tests;

public sealed class TradePlannerSpecs
{
    // BTCUSDT as Binance publishes it: step 0.001, tick 0.1, min qty 0.001, min notional 100 USDT.
    private static readonly SymbolFilters Btc = new("BTCUSDT", 0.1m, 0.001m, 0.001m, 1000m, 100m);
    private static readonly TradingParameters TenXHundred = new(10, 100m, 2m, 4m);

    private static MarketState Market(decimal position = 0, int openPositions = 0, decimal pnlToday = 0, decimal price = 64_000m) =>
        new(position, openPositions, pnlToday, price, Btc);

    [Fact]
    public void Quantity_is_margin_times_leverage_over_the_exchange_price_rounded_down_to_the_step()
    {
        // 100 × 10 / 64,000 = 0.015625 → 0.015
        TradePlanner.Size(TenXHundred, 64_000m, Btc).ShouldBe(0.015m);
        var plan = TradePlanner.Plan(SignalAction.Buy, TenXHundred, RiskLimits.None, Market());
        plan.Legs.ShouldBe([new OrderLeg(LegKind.Open, OrderSide.Buy, 0.015m)]);
        plan.SkipReason.ShouldBeNull();
    }

    [Fact]
    public void Below_the_minimum_notional_the_subscription_skips_with_that_reason()
    {
        // 10 × 5 / 64,000 = 0.00078 → 0.000, below the minimum quantity.
        TradePlanner.Plan(SignalAction.Buy, new TradingParameters(5, 10m, null, null), RiskLimits.None, Market()).SkipReason!.ShouldContain("below the minimum 0.001");

        // 0.001 × 64,000 = 64 USDT notional < 100.
        var small = new TradingParameters(1, 70m, null, null);
        TradePlanner.Plan(SignalAction.Buy, small, RiskLimits.None, Market()).SkipReason!.ShouldContain("notional 64 USDT is below the minimum 100");
    }

    [Fact]
    public void A_buy_while_short_closes_the_short_first_then_opens_the_long()
    {
        var plan = TradePlanner.Plan(SignalAction.Buy, TenXHundred, RiskLimits.None, Market(position: -0.02m, openPositions: 1));
        plan.Legs.ShouldBe([new OrderLeg(LegKind.Close, OrderSide.Buy, 0.02m), new OrderLeg(LegKind.Open, OrderSide.Buy, 0.015m)]);
        plan.Legs[0].ReduceOnly.ShouldBeTrue();
        plan.Legs[1].ReduceOnly.ShouldBeFalse();
    }

    [Fact]
    public void A_signal_in_the_direction_already_held_is_skipped()
    {
        TradePlanner.Plan(SignalAction.Buy, TenXHundred, RiskLimits.None, Market(position: 0.01m)).SkipReason.ShouldBe("position already long");
        TradePlanner.Plan(SignalAction.Sell, TenXHundred, RiskLimits.None, Market(position: -0.01m)).SkipReason.ShouldBe("position already short");
    }

    [Fact]
    public void Exit_long_closes_only_a_long_and_exit_short_only_a_short()
    {
        TradePlanner.Plan(SignalAction.CloseLong, TenXHundred, RiskLimits.None, Market(position: 0.02m)).Legs
            .ShouldBe([new OrderLeg(LegKind.Close, OrderSide.Sell, 0.02m)]);
        TradePlanner.Plan(SignalAction.CloseShort, TenXHundred, RiskLimits.None, Market(position: -0.02m)).Legs
            .ShouldBe([new OrderLeg(LegKind.Close, OrderSide.Buy, 0.02m)]);

        // The other side is left alone, with the reason; flat is nothing to close.
        var keepShort = TradePlanner.Plan(SignalAction.CloseLong, TenXHundred, RiskLimits.None, Market(position: -0.02m));
        keepShort.IsEmpty.ShouldBeTrue();
        keepShort.SkipReason.ShouldBe("the signal exits long positions; this one is short");
        TradePlanner.Plan(SignalAction.CloseShort, TenXHundred, RiskLimits.None, Market(position: 0.02m)).SkipReason
            .ShouldBe("the signal exits short positions; this one is long");
        TradePlanner.Plan(SignalAction.CloseLong, TenXHundred, RiskLimits.None, Market()).SkipReason.ShouldBe("no open position to close");
    }

    [Fact]
    public void Close_closes_the_whole_position_reduce_only_and_skips_when_flat()
    {
        TradePlanner.Plan(SignalAction.Close, TenXHundred, RiskLimits.None, Market(position: 0.03m)).Legs
            .ShouldBe([new OrderLeg(LegKind.Close, OrderSide.Sell, 0.03m)]);
        TradePlanner.Plan(SignalAction.Close, TenXHundred, RiskLimits.None, Market()).SkipReason.ShouldBe("no open position to close");
    }

    [Fact]
    public void Subscription_skips_signal_when_daily_loss_limit_reached()
    {
        var limits = new RiskLimits(MaxDailyLossUsd: 50m, MaxConcurrentPositions: null);
        TradePlanner.Plan(SignalAction.Buy, TenXHundred, limits, Market(pnlToday: -50m)).SkipReason.ShouldBe("daily loss limit reached");
        TradePlanner.Plan(SignalAction.Buy, TenXHundred, limits, Market(pnlToday: -49.99m)).SkipReason.ShouldBeNull();
    }

    [Fact]
    public void Subscription_skips_signal_when_max_concurrent_positions_reached_but_may_still_flip_or_close()
    {
        var limits = new RiskLimits(null, MaxConcurrentPositions: 2);
        TradePlanner.Plan(SignalAction.Buy, TenXHundred, limits, Market(openPositions: 2)).SkipReason.ShouldBe("max concurrent positions reached");
        TradePlanner.Plan(SignalAction.Buy, TenXHundred, limits, Market(position: -0.01m, openPositions: 2)).Legs.Count.ShouldBe(2);
    }

    [Fact]
    public void Risk_limits_stop_opening_never_closing()
    {
        var limits = new RiskLimits(MaxDailyLossUsd: 10m, null);
        var plan = TradePlanner.Plan(SignalAction.Buy, TenXHundred, limits, Market(position: -0.02m, pnlToday: -100m));
        plan.Legs.ShouldBe([new OrderLeg(LegKind.Close, OrderSide.Buy, 0.02m)]);
        plan.SkipReason.ShouldBe("daily loss limit reached");
    }
}
