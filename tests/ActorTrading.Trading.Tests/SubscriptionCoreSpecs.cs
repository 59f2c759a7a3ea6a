using static ActorTrading.Trading.SubscriptionEvents;
using Effect = ActorTrading.Trading.SubscriptionEffect;
using Input = ActorTrading.Trading.SubscriptionInput;
using Phase = ActorTrading.Trading.SubscriptionPhase;

namespace ActorTrading.Trading.Tests;

/// <summary>The subscription's decisions for a signal, told step by step as the entity would tell them: no actor, no journal,
/// no exchange. Each result of an effect is fed back as the entity feeds it.</summary>
public sealed class SubscriptionCoreSpecs
{
    private const string Sub = "sub-1";
    private const string Symbol = "BTCUSDT";
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TradingParameters Defaults = new(Leverage: 10, MarginUsd: 100m, StopLossPct: 2m, TakeProfitPct: 4m);
    private static readonly SymbolFilters Filters = new(Symbol, TickSize: 0.1m, StepSize: 0.001m, MinQuantity: 0.001m, MaxQuantity: 1_000m, MinNotional: 5m);

    // 100 USDT × 10 ÷ 64,000, down to the step.
    private const decimal Size = 0.015m;

    private static readonly SubscriptionState Created = SubscriptionState.Empty.Apply(
        new SubscriptionCreated(Sub, "owner", "bot", "acct", ExchangeName.Paper, ParameterOverrides.None, RiskLimits.None, T0));

    private static string Id(string signalId, string leg) => ClientOrderIds.For(Sub, signalId, leg);

    private static MarketState Market(decimal position, SymbolFilters? filters = null) => new(position, position == 0 ? 0 : 1, 0m, 64_000m, filters ?? Filters);

    private static ExchangeOrder Filled(string clientOrderId, OrderSide side, decimal quantity, bool reduceOnly = false, decimal price = 64_000m) =>
        new(Symbol, clientOrderId, "x-" + clientOrderId, side, OrderStatus.Filled, quantity, quantity, price, reduceOnly);

    private static ExchangeException Error(ExchangeErrorKind kind, string message, string code = "-1") => new(ExchangeName.Paper, kind, code, message);

    /// <summary>A subscription whose symbol is protected by the stop-loss and take-profit of <paramref name="signalId"/>.</summary>
    private static SubscriptionState ProtectedBy(string signalId) => Created.Apply(new SignalCompleted(signalId, "bot", ExecutionStatus.Executed, null, "x", 64_000m, Size, 1, T0,
        Protection: new PositionProtection(Symbol, [signalId])));

    [Fact]
    public void A_first_buy_reads_the_market_then_places_the_open_with_its_leverage_then_protects_it_and_stores_one_outcome()
    {
        var run = new Run(Created);

        run.Tell(Signal("sig-1", SignalAction.Buy)).ShouldBe([new Effect.ReadMarket(Symbol, WithRealizedPnl: false)]);
        run.Phase.ShouldBeOfType<Phase.ReadingMarket>();

        run.Tell(new Input.MarketRead(Market(0))).ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-1", ClientOrderIds.Legs.Open)), 10)]);
        run.Phase.ShouldBeOfType<Phase.PlacingLeg>().LookingUp.ShouldBeFalse();

        var open = Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size);
        run.Tell(new Input.OrderPlaced(open, LeverageSet: true))
            .ShouldBe([new Effect.Protect(Symbol, OrderSide.Buy, 64_000m, Defaults, Id("sig-1", ClientOrderIds.Legs.StopLoss), Id("sig-1", ClientOrderIds.Legs.TakeProfit))]);
        run.Phase.ShouldBeOfType<Phase.Protecting>();
        run.Events.ShouldBeEmpty();

        run.Tell(new Input.ProtectionPlaced([]));
        run.Phase.ShouldBe(Phase.Idle.Instance);
        run.Events.Count.ShouldBe(2);
        run.Events[0].ShouldBe(new LeverageSet(Symbol, 10));
        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Executed);
        outcome.Reason.ShouldBeNull();
        outcome.ExchangeOrderId.ShouldBe(open.ExchangeOrderId);
        outcome.Orders.ShouldNotBeNull().Select(o => o.ClientOrderId).ShouldBe([open.ClientOrderId]);
        outcome.Protection.ShouldNotBeNull().SignalIds.ShouldBe(["sig-1"]);
        run.LastEffects.ShouldBe([new Effect.Answer(outcome, Unstash: true)]);
        run.State.Completed.ShouldContainKey("sig-1");
    }

    [Fact]
    public void A_flip_closes_first_then_cancels_the_protection_of_the_position_it_closed_then_opens_and_protects()
    {
        var run = new Run(ProtectedBy("sig-0"));
        run.Tell(Signal("sig-1", SignalAction.Buy));

        run.Tell(new Input.MarketRead(Market(-Size)))
            .ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-1", ClientOrderIds.Legs.Close), ReduceOnly: true), null)]);

        // Flat now: the old stop-loss and take-profit go before anything opens.
        var cancel = run.Tell(new Input.OrderPlaced(Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true), LeverageSet: false))
            .ShouldHaveSingleItem().ShouldBeOfType<Effect.Cancel>();
        cancel.ClientOrderIds.ShouldBe([Id("sig-0", ClientOrderIds.Legs.StopLoss), Id("sig-0", ClientOrderIds.Legs.TakeProfit)]);
        run.Phase.ShouldBeOfType<Phase.CancellingStaleProtection>();

        run.Tell(Input.StaleProtectionCancelled.Instance)
            .ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-1", ClientOrderIds.Legs.Open)), 10)]);
        run.Tell(new Input.OrderPlaced(Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size), LeverageSet: false)).ShouldHaveSingleItem().ShouldBeOfType<Effect.Protect>();
        run.Tell(new Input.ProtectionPlaced([]));

        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Executed);
        outcome.Reason.ShouldBeNull();
        outcome.Orders.ShouldNotBeNull().Select(o => (o.Leg, o.ClientOrderId)).ShouldBe([(0, Id("sig-1", ClientOrderIds.Legs.Close)), (1, Id("sig-1", ClientOrderIds.Legs.Open))]);
        run.State.ProtectedBy[Symbol].ShouldBe(["sig-1"]);
        run.Events.ShouldNotContain(e => e is LeverageSet);
    }

    [Fact]
    public void An_order_whose_answer_was_lost_is_looked_up_by_its_client_order_id_and_never_placed_again_when_the_exchange_has_it()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0)));

        var effects = run.Tell(new Input.OrderFailed(new TimeoutException("outcome unknown: the gateway gave no answer")));
        effects.OfType<Effect.Place>().ShouldBeEmpty();
        effects.OfType<Effect.LookUpByClientOrderId>().ShouldHaveSingleItem().Leg.ClientOrderId.ShouldBe(Id("sig-1", ClientOrderIds.Legs.Open));
        run.Phase.ShouldBeOfType<Phase.PlacingLeg>().LookingUp.ShouldBeTrue();

        var open = Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size);
        run.Tell(new Input.OrderLookedUp(open)).ShouldHaveSingleItem().ShouldBeOfType<Effect.Protect>();
        run.Tell(new Input.ProtectionPlaced([]));

        run.Effects.OfType<Effect.Place>().Count().ShouldBe(1);
        run.Outcome.Status.ShouldBe(ExecutionStatus.Executed);
        run.Outcome.ExchangeOrderId.ShouldBe(open.ExchangeOrderId);
    }

    [Fact]
    public void An_order_whose_answer_was_lost_and_that_the_exchange_does_not_have_is_placed_again_under_the_same_client_order_id()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0)));
        run.Tell(new Input.OrderFailed(Error(ExchangeErrorKind.OutcomeUnknown, "timeout", ExchangeErrorCodes.Timeout)));

        run.Tell(new Input.OrderLookedUp(null)).ShouldHaveSingleItem().ShouldBeOfType<Effect.Place>().Request.ClientOrderId.ShouldBe(Id("sig-1", ClientOrderIds.Legs.Open));
    }

    [Fact]
    public void A_lost_answer_the_exchange_cannot_be_asked_about_ends_unknown_never_failed_and_nothing_is_placed_meanwhile()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0)));
        run.Tell(new Input.OrderFailed(Error(ExchangeErrorKind.OutcomeUnknown, "timeout", ExchangeErrorCodes.Timeout)));

        var down = Error(ExchangeErrorKind.Retryable, "service unavailable");
        run.Tell(new Input.OrderLookUpFailed(down)).ShouldBe([new Effect.RetryAfter(TimeSpan.FromMilliseconds(200))]);
        run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpByClientOrderId>();
        run.Tell(new Input.OrderLookUpFailed(down)).ShouldBe([new Effect.RetryAfter(TimeSpan.FromMilliseconds(400))]);
        run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpByClientOrderId>();
        run.Tell(new Input.OrderLookUpFailed(down));

        run.Effects.OfType<Effect.Place>().Count().ShouldBe(1);
        run.Outcome.Status.ShouldBe(ExecutionStatus.Unknown);
        run.Outcome.Reason.ShouldBe($"opening order {Id("sig-1", ClientOrderIds.Legs.Open)} failed: it may have been placed, and the exchange could not be asked (3 tries): Paper unavailable: service unavailable");
        run.Phase.ShouldBe(Phase.Idle.Instance);
    }

    [Fact]
    public void A_flip_whose_open_is_refused_after_its_close_filled_fails_with_both_counted_and_keeps_the_close_in_the_outcome()
    {
        var run = FlippedToTheOpen();

        run.Tell(new Input.OrderFailed(Error(ExchangeErrorKind.Rejected, "margin is insufficient")));

        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Failed);
        outcome.Reason.ShouldBe($"1 of 2 orders placed, then opening order {Id("sig-1", ClientOrderIds.Legs.Open)} failed: rejected by Paper: margin is insufficient");
        outcome.Orders.ShouldNotBeNull().Single().ClientOrderId.ShouldBe(Id("sig-1", ClientOrderIds.Legs.Close));

        // Flat, and the old protection cancelled: none is left for the symbol.
        run.State.ProtectedBy.ShouldNotContainKey(Symbol);
    }

    [Fact]
    public void A_flip_whose_open_has_an_unknown_outcome_that_cannot_be_asked_about_ends_unknown_with_the_close_in_the_outcome()
    {
        var run = FlippedToTheOpen();
        var down = Error(ExchangeErrorKind.Retryable, "service unavailable");

        run.Tell(new Input.OrderFailed(Error(ExchangeErrorKind.OutcomeUnknown, "timeout", ExchangeErrorCodes.Timeout)));
        for (var attempt = 1; attempt < SubscriptionCore.MaxPlacementAttempts; attempt++)
        {
            run.Tell(new Input.OrderLookUpFailed(down)).ShouldHaveSingleItem().ShouldBeOfType<Effect.RetryAfter>();
            run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpByClientOrderId>();
        }

        run.Tell(new Input.OrderLookUpFailed(down));

        run.Effects.OfType<Effect.Place>().Count().ShouldBe(2);
        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Unknown);
        outcome.Reason.ShouldNotBeNull().ShouldStartWith($"1 of 2 orders placed, then opening order {Id("sig-1", ClientOrderIds.Legs.Open)} failed: it may have been placed");
        outcome.Orders.ShouldNotBeNull().Single().ClientOrderId.ShouldBe(Id("sig-1", ClientOrderIds.Legs.Close));
    }

    [Fact]
    public void A_stale_protection_whose_cancel_fails_does_not_stop_the_trade_is_reported_and_is_kept_to_be_cancelled_at_the_next_trade()
    {
        var run = new Run(ProtectedBy("sig-0"));
        run.Tell(Signal("sig-1", SignalAction.Buy));

        // Flat already (closed by hand): the open is the first leg, and the old protection goes before it.
        run.Tell(new Input.MarketRead(Market(0))).ShouldHaveSingleItem().ShouldBeOfType<Effect.Cancel>();
        var effects = run.Tell(new Input.StaleProtectionCancelFailed(Error(ExchangeErrorKind.Retryable, "service unavailable")));

        var problem = "stop-loss and take-profit of signal sig-0 not cancelled: Paper unavailable: service unavailable";
        effects.ShouldBe([new Effect.Log(IsError: true, problem), new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-1", ClientOrderIds.Legs.Open)), 10)]);
        run.Tell(new Input.OrderPlaced(Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size), LeverageSet: false));
        run.Tell(new Input.ProtectionPlaced([]));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Executed);
        run.Outcome.Reason.ShouldBe(problem);
        run.State.ProtectedBy[Symbol].ShouldBe(["sig-0", "sig-1"]);

        // The next trade in the symbol tries both again.
        run.Tell(Signal("sig-2", SignalAction.Close));
        run.Tell(new Input.MarketRead(Market(Size))).ShouldHaveSingleItem().ShouldBeOfType<Effect.Place>().Request.ReduceOnly.ShouldBeTrue();
        run.Tell(new Input.OrderPlaced(Filled(Id("sig-2", ClientOrderIds.Legs.Close), OrderSide.Sell, Size, reduceOnly: true), LeverageSet: false))
            .ShouldHaveSingleItem().ShouldBeOfType<Effect.Cancel>().ClientOrderIds.Count.ShouldBe(4);
    }

    [Fact]
    public void An_order_whose_leverage_cannot_be_set_fails_without_recording_a_leverage_and_nothing_more_is_tried()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0)));

        run.Tell(new Input.OrderFailed(new LeverageNotSetException(Symbol, 10, Error(ExchangeErrorKind.Rejected, "leverage 10 is not valid"))));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Failed);
        run.Outcome.Reason.ShouldBe("could not set leverage 10x on BTCUSDT: rejected by Paper: leverage 10 is not valid");
        run.Outcome.Orders.ShouldBeNull();
        run.Events.ShouldNotContain(e => e is LeverageSet);
        run.LastEffects.ShouldHaveSingleItem().ShouldBeOfType<Effect.Answer>();
        run.Effects.OfType<Effect.Place>().Count().ShouldBe(1);
    }

    [Fact]
    public void A_signal_too_small_for_the_symbols_minimum_notional_is_skipped_without_an_order()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));

        run.Tell(new Input.MarketRead(Market(0, Filters with { MinNotional = 5_000m })));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Skipped);
        run.Outcome.Reason.ShouldBe("notional 960 USDT is below the minimum 5000 for BTCUSDT");
        run.Effects.ShouldNotContain(e => e is Effect.Place || e is Effect.Cancel);
    }

    [Fact]
    public void A_placement_the_exchange_refuses_for_now_is_tried_again_after_a_pause_and_fails_after_the_last_attempt()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0)));
        var busy = Error(ExchangeErrorKind.Retryable, "too many requests");

        run.Tell(new Input.OrderFailed(busy)).ShouldBe([new Effect.RetryAfter(TimeSpan.FromMilliseconds(200))]);
        run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.Place>();
        run.Tell(new Input.OrderFailed(busy)).ShouldBe([new Effect.RetryAfter(TimeSpan.FromMilliseconds(400))]);
        run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.Place>();
        run.Tell(new Input.OrderFailed(busy));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Failed);
        run.Outcome.Reason.ShouldBe($"opening order {Id("sig-1", ClientOrderIds.Legs.Open)} failed: Paper unavailable: too many requests");
    }

    [Fact]
    public void A_signal_told_again_is_looked_up_by_its_client_order_ids_before_any_check_and_its_filled_order_is_recorded_even_when_stale()
    {
        var run = new Run(Created, now: T0.AddMinutes(10));

        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true)).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpEarlierOrders>()
            .ClientOrderIds.ShouldBe([Id("sig-1", ClientOrderIds.Legs.Close), Id("sig-1", ClientOrderIds.Legs.Open)]);
        run.Phase.ShouldBeOfType<Phase.CheckingEarlierOrders>();

        var open = Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size);
        run.Tell(new Input.EarlierOrdersFound([open])).ShouldHaveSingleItem().ShouldBeOfType<Effect.Protect>().EntryPrice.ShouldBe(64_000m);
        run.Tell(new Input.ProtectionPlaced([]));

        run.Effects.ShouldNotContain(e => e is Effect.Place || e is Effect.ReadMarket);
        run.Outcome.Status.ShouldBe(ExecutionStatus.Executed);
        run.Outcome.Orders.ShouldNotBeNull().Single().ClientOrderId.ShouldBe(open.ClientOrderId);
    }

    [Fact]
    public void A_signal_told_again_that_placed_nothing_is_checked_as_a_first_telling_and_skipped_when_stale()
    {
        var run = new Run(Created, now: T0.AddMinutes(10));
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true));

        run.Tell(new Input.EarlierOrdersFound([]));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Skipped);
        run.Outcome.Reason.ShouldBe("stale signal: 600 s old, time-to-live 60 s");
        run.Effects.ShouldNotContain(e => e is Effect.Place || e is Effect.ReadMarket);
    }

    [Fact]
    public void A_flip_told_again_after_only_its_close_filled_opens_once_and_records_both_orders()
    {
        var run = new Run(Created);
        var close = Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true);
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true));

        run.Tell(new Input.EarlierOrdersFound([close])).ShouldHaveSingleItem().ShouldBeOfType<Effect.ReadMarket>();
        run.Tell(new Input.MarketRead(Market(0)))
            .ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-1", ClientOrderIds.Legs.Open)), 10)]);
        var open = Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size);
        run.Tell(new Input.OrderPlaced(open, LeverageSet: false));
        run.Tell(new Input.ProtectionPlaced([]));

        run.Effects.OfType<Effect.Place>().ShouldHaveSingleItem();
        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Executed);
        outcome.Orders.ShouldNotBeNull().Select(o => (o.Leg, o.ClientOrderId)).ShouldBe([(0, close.ClientOrderId), (1, open.ClientOrderId)]);
        outcome.ExchangeOrderId.ShouldBe(open.ExchangeOrderId);
    }

    [Fact]
    public void A_flip_told_again_after_only_its_close_filled_and_now_stale_records_the_close_as_executed_without_opening()
    {
        var run = new Run(Created, now: T0.AddMinutes(10));
        var close = Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true);
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true));

        run.Tell(new Input.EarlierOrdersFound([close]));

        run.Effects.ShouldNotContain(e => e is Effect.Place || e is Effect.ReadMarket);
        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Executed);
        outcome.Reason.ShouldNotBeNull().ShouldStartWith("position closed; not reopened: stale signal");
        outcome.ExchangeOrderId.ShouldBe(close.ExchangeOrderId);
        outcome.Orders.ShouldNotBeNull().Single().ClientOrderId.ShouldBe(close.ClientOrderId);
    }

    [Fact]
    public void A_flip_told_again_whose_close_left_the_position_open_places_nothing_more_and_fails_with_the_reason()
    {
        var run = new Run(Created);
        var close = Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size / 3, reduceOnly: true);
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true));
        run.Tell(new Input.EarlierOrdersFound([close]));

        run.Tell(new Input.MarketRead(Market(-(Size - (Size / 3)))));

        run.Effects.OfType<Effect.Place>().ShouldBeEmpty();
        var outcome = run.Outcome;
        outcome.Status.ShouldBe(ExecutionStatus.Failed);
        outcome.Reason.ShouldNotBeNull().ShouldStartWith($"close order {close.ClientOrderId} placed before a restart, then: the position is still open after it; nothing more placed");
        outcome.Orders.ShouldNotBeNull().Single().ClientOrderId.ShouldBe(close.ClientOrderId);
    }

    [Fact]
    public void A_close_signal_told_again_after_its_order_filled_is_recorded_as_executed_without_another_order()
    {
        var run = new Run(Created);
        var close = Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Sell, Size, reduceOnly: true);
        run.Tell(Signal("sig-1", SignalAction.Close, redelivered: true));

        run.Tell(new Input.EarlierOrdersFound([close]));

        run.Effects.OfType<Effect.Place>().ShouldBeEmpty();
        run.Outcome.Status.ShouldBe(ExecutionStatus.Executed);
        run.Outcome.ExchangeOrderId.ShouldBe(close.ExchangeOrderId);
    }

    [Fact]
    public void A_signal_told_again_whose_earlier_orders_cannot_be_asked_for_ends_unknown_without_trading()
    {
        var run = new Run(Created);
        var down = Error(ExchangeErrorKind.Retryable, "service unavailable");
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true));

        run.Tell(new Input.EarlierOrdersLookUpFailed(down)).ShouldBe([new Effect.RetryAfter(TimeSpan.FromMilliseconds(200))]);
        run.Tell(Input.RetryDue.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpEarlierOrders>();
        run.Tell(new Input.EarlierOrdersLookUpFailed(down));
        run.Tell(Input.RetryDue.Instance);
        run.Tell(new Input.EarlierOrdersLookUpFailed(down));

        run.Effects.ShouldNotContain(e => e is Effect.Place || e is Effect.ReadMarket);
        run.Outcome.Status.ShouldBe(ExecutionStatus.Unknown);
        run.Outcome.Reason.ShouldBe("told again after a possible crash, and the exchange could not be asked for its orders (3 tries): Paper unavailable: service unavailable");
    }

    [Fact]
    public void A_signal_in_flight_as_an_earlier_version_stored_it_looks_up_every_unconfirmed_leg_before_placing_any()
    {
        var received = Received("sig-1", SignalAction.Buy);
        var plan = new OrdersPlanned("sig-1", Symbol,
            [new PlannedLeg(0, ClientOrderIds.Legs.Close, OrderSide.Buy, Size, true, Id("sig-1", ClientOrderIds.Legs.Close)),
             new PlannedLeg(1, ClientOrderIds.Legs.Open, OrderSide.Buy, Size, false, Id("sig-1", ClientOrderIds.Legs.Open))], Defaults, null);
        var run = new Run(Created.Apply(new SignalPlanned(received, plan)));

        run.Tell(Input.Recovered.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpByClientOrderId>().Leg.Leg.ShouldBe(0);
        run.Tell(new Input.OrderLookedUp(Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true)));

        run.LastEffects.ShouldHaveSingleItem().ShouldBeOfType<Effect.LookUpByClientOrderId>().Leg.Leg.ShouldBe(1);
        run.Effects.OfType<Effect.Place>().ShouldBeEmpty();
    }

    [Fact]
    public void A_paused_subscription_opens_nothing()
    {
        var run = new Run(Created.Apply(new SubscriptionPaused(T0)));

        run.Tell(Signal("sig-1", SignalAction.Buy)).ShouldBe([new Effect.ReadMarket(Symbol, WithRealizedPnl: false)]);
        run.Tell(new Input.MarketRead(Market(0)));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Skipped);
        run.Outcome.Reason.ShouldBe("subscription paused");
        run.Effects.OfType<Effect.Place>().ShouldBeEmpty();
    }

    [Fact]
    public void A_paused_subscription_still_follows_the_bots_close_and_a_flips_close_leg_but_never_its_open()
    {
        var closing = new Run(Created.Apply(new SubscriptionPaused(T0)));
        closing.Tell(Signal("sig-1", SignalAction.Close));
        closing.Tell(new Input.MarketRead(Market(Size)))
            .ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Sell, Size, Id("sig-1", ClientOrderIds.Legs.Close), ReduceOnly: true), null)]);

        var flipping = new Run(Created.Apply(new SubscriptionPaused(T0)));
        flipping.Tell(Signal("sig-2", SignalAction.Buy));
        flipping.Tell(new Input.MarketRead(Market(-Size)))
            .ShouldBe([new Effect.Place(new MarketOrderRequest(Symbol, OrderSide.Buy, Size, Id("sig-2", ClientOrderIds.Legs.Close), ReduceOnly: true), null)]);
        flipping.Tell(new Input.OrderPlaced(Filled(Id("sig-2", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true), LeverageSet: false));

        flipping.Effects.OfType<Effect.Place>().ShouldHaveSingleItem();
        flipping.Outcome.Status.ShouldBe(ExecutionStatus.Executed);
        flipping.Outcome.Reason.ShouldBe("position closed; not reopened: subscription paused");
        flipping.Outcome.Orders.ShouldNotBeNull().Select(o => o.ClientOrderId).ShouldBe([Id("sig-2", ClientOrderIds.Legs.Close)]);
    }

    [Fact]
    public void A_cancelled_subscription_skips_the_signal_without_reading_the_account()
    {
        var run = new Run(Created.Apply(new SubscriptionCancelled(T0)));

        run.Tell(Signal("sig-1", SignalAction.Close));

        run.Outcome.Status.ShouldBe(ExecutionStatus.Skipped);
        run.Outcome.Reason.ShouldBe("subscription cancelled");
        run.Effects.ShouldNotContain(e => e is Effect.ReadMarket);
    }

    [Fact]
    public void A_signal_already_completed_is_answered_from_state_and_traded_never_twice()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(0, Filters with { MinNotional = 5_000m })));
        var outcome = run.Outcome;
        var events = run.Events.Count;

        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true)).ShouldBe([new Effect.Answer(outcome, Unstash: false)]);
        run.Events.Count.ShouldBe(events);
        run.Phase.ShouldBe(Phase.Idle.Instance);
    }

    [Fact]
    public void Another_signal_while_one_is_in_hand_is_stashed_the_same_one_is_ignored_and_a_result_not_awaited_changes_nothing()
    {
        var run = new Run(Created);
        run.Tell(Signal("sig-1", SignalAction.Buy));
        var reading = run.Phase;

        run.Tell(Signal("sig-2", SignalAction.Sell)).ShouldBe([Effect.Stash.Instance]);
        run.Tell(Signal("sig-1", SignalAction.Buy, redelivered: true)).ShouldBeEmpty();
        run.Tell(new Input.OrderPlaced(Filled(Id("sig-1", ClientOrderIds.Legs.Open), OrderSide.Buy, Size), LeverageSet: true)).ShouldBeEmpty();
        run.Tell(Input.RetryDue.Instance).ShouldBeEmpty();

        run.Phase.ShouldBeSameAs(reading);
        run.Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_close_finding_the_position_gone_cancels_the_protection_it_had_and_is_skipped_saying_so()
    {
        var run = new Run(ProtectedBy("sig-0"));
        run.Tell(Signal("sig-1", SignalAction.Close));

        run.Tell(new Input.MarketRead(Market(0))).ShouldHaveSingleItem().ShouldBeOfType<Effect.Cancel>();
        run.Tell(Input.StaleProtectionCancelled.Instance);

        run.Outcome.Status.ShouldBe(ExecutionStatus.Skipped);
        run.Outcome.Reason.ShouldBe("no open position to close; its stop-loss and take-profit cancelled");
        run.State.ProtectedBy.ShouldNotContainKey(Symbol);
    }

    /// <summary>A short position flipped to long up to the open's placement: its close filled, the old protection cancelled.</summary>
    private static Run FlippedToTheOpen()
    {
        var run = new Run(ProtectedBy("sig-0"));
        run.Tell(Signal("sig-1", SignalAction.Buy));
        run.Tell(new Input.MarketRead(Market(-Size)));
        run.Tell(new Input.OrderPlaced(Filled(Id("sig-1", ClientOrderIds.Legs.Close), OrderSide.Buy, Size, reduceOnly: true), LeverageSet: false));
        run.Tell(Input.StaleProtectionCancelled.Instance).ShouldHaveSingleItem().ShouldBeOfType<Effect.Place>().Request.ReduceOnly.ShouldBeFalse();
        return run;
    }

    private static SignalReceived Received(string signalId, SignalAction action) =>
        new(signalId, "bot", new Signal(Symbol, action, null, null, null), T0, Defaults, TimeSpan.FromMinutes(1), T0, 1, 1);

    private static Input.Signal Signal(string signalId, SignalAction action, bool redelivered = false) => new(Received(signalId, action), redelivered);

    /// <summary>Runs the core as the entity does: the events of each decision are applied to the state, the effects kept.</summary>
    private sealed class Run(SubscriptionState state, DateTimeOffset? now = null)
    {
        private readonly DateTimeOffset _now = now ?? T0.AddSeconds(1);

        public SubscriptionState State { get; private set; } = state;

        public SubscriptionPhase Phase { get; private set; } = SubscriptionPhase.Idle.Instance;

        public List<object> Events { get; } = [];

        public List<SubscriptionEffect> Effects { get; } = [];

        public IReadOnlyList<SubscriptionEffect> LastEffects { get; private set; } = [];

        public SignalCompleted Outcome => Events.OfType<SignalCompleted>().LastOrDefault() ?? throw new ShouldAssertException("no outcome stored");

        public IReadOnlyList<SubscriptionEffect> Tell(SubscriptionInput input)
        {
            var decision = SubscriptionCore.Decide(State, Phase, input, Sub, _now);
            foreach (var @event in decision.Events)
            {
                State = State.Apply(@event);
                Events.Add(@event);
            }

            Effects.AddRange(decision.Effects);
            LastEffects = decision.Effects;
            Phase = decision.Next;
            return decision.Effects;
        }
    }
}
