using System.Collections.Immutable;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using static ActorTrading.Trading.SubscriptionEvents;

namespace ActorTrading.Trading;

/// <summary>The signal being worked on, none of it stored until the outcome (immutable: each step returns a new one).</summary>
/// <param name="Received">The signal.</param>
/// <param name="Plan">Its orders, once planned (or found on the exchange).</param>
/// <param name="Confirmed">What the exchange confirmed of the plan, in leg order.</param>
/// <param name="Recovered">Orders an earlier incarnation placed that are not in the plan (the close of a flip, when the crash
/// came before the open): they belong in the outcome.</param>
/// <param name="Leverage">The leverage the gateway set on the way, stored with the outcome.</param>
/// <param name="Attempts">Placements of the current leg.</param>
/// <param name="LookupAttempts">Failed look-ups in a row.</param>
/// <param name="Unverified">Legs (one bit each; a plan has at most two) that may have reached the exchange unrecorded: each
/// is looked up by its client order id before it may be placed.</param>
/// <param name="Problems">What the outcome reports of the protection.</param>
/// <param name="StaleProtectionHandled">Whether the protection of the position before this signal has been dealt with.</param>
/// <param name="StaleProtectionLeft">Signals whose protection could not be cancelled (tried again at the symbol's next trade).</param>
/// <param name="ProtectionAfter">What the outcome records of the symbol's protection; null while this signal has not changed it.</param>
public sealed record SignalWork(
    SignalReceived Received,
    OrdersPlanned? Plan,
    ImmutableArray<OrderConfirmed> Confirmed,
    ImmutableArray<OrderConfirmed> Recovered,
    LeverageSet? Leverage,
    int Attempts,
    int LookupAttempts,
    long Unverified,
    ImmutableArray<string> Problems,
    bool StaleProtectionHandled,
    IReadOnlyList<string> StaleProtectionLeft,
    PositionProtection? ProtectionAfter)
{
    /// <summary>A signal just received.</summary>
    public static SignalWork For(SignalReceived received) => new(received, null, [], [], null, 0, 0, 0, [], false, [], null);

    /// <summary>The confirmation of leg <paramref name="leg"/>, if any.</summary>
    public OrderConfirmed? ConfirmationOf(int leg)
    {
        foreach (var confirmed in Confirmed)
        {
            if (confirmed.Leg == leg)
            {
                return confirmed;
            }
        }

        return null;
    }

    /// <summary>The first planned leg not confirmed yet.</summary>
    public PlannedLeg? NextLeg
    {
        get
        {
            if (Plan is null)
            {
                return null;
            }

            // Indexed: a foreach over the IReadOnlyList would allocate an enumerator at every step of every signal.
            var legs = Plan.Legs;
            for (var index = 0; index < legs.Count; index++)
            {
                if (ConfirmationOf(legs[index].Leg) is null)
                {
                    return legs[index];
                }
            }

            return null;
        }
    }

    /// <summary>With leg <paramref name="confirmed"/> confirmed (kept in leg order).</summary>
    public SignalWork Confirm(OrderConfirmed confirmed) => this with { Confirmed = With(Confirmed, confirmed) };

    /// <summary><paramref name="legs"/> with <paramref name="confirmed"/> (kept in leg order, one per leg).</summary>
    internal static ImmutableArray<OrderConfirmed> With(ImmutableArray<OrderConfirmed> legs, OrderConfirmed confirmed)
    {
        var builder = ImmutableArray.CreateBuilder<OrderConfirmed>(legs.Length + 1);
        var added = false;
        foreach (var existing in legs)
        {
            if (!added && existing.Leg >= confirmed.Leg)
            {
                builder.Add(confirmed);
                added = true;
            }

            if (existing.Leg != confirmed.Leg)
            {
                builder.Add(existing);
            }
        }

        if (!added)
        {
            builder.Add(confirmed);
        }

        return builder.DrainToImmutable();
    }

    /// <summary>Whether leg <paramref name="leg"/> must be looked up before it may be placed.</summary>
    public bool IsUnverified(int leg) => (Unverified & Bit(leg)) != 0;

    /// <summary>With leg <paramref name="leg"/> to be looked up (or not) before it may be placed.</summary>
    public SignalWork WithUnverified(int leg, bool unverified) => this with { Unverified = unverified ? Unverified | Bit(leg) : Unverified & ~Bit(leg) };

    private static long Bit(int leg) => leg is >= 0 and < 64 ? 1L << leg : throw new ArgumentOutOfRangeException(nameof(leg), leg, "a plan has at most 64 legs");
}

/// <summary>Where a subscription is with the signal it works on (closed: these and no others). Every phase but
/// <see cref="Idle"/> carries its <see cref="SignalWork"/> and waits for the result of the effect that led to it.</summary>
public abstract record SubscriptionPhase
{
    private SubscriptionPhase()
    {
    }

    /// <summary>The work, in every phase but <see cref="Idle"/>.</summary>
    public abstract SignalWork? Work { get; }

    /// <summary>No signal in hand.</summary>
    public sealed record Idle : SubscriptionPhase
    {
        /// <summary>The one idle phase.</summary>
        public static Idle Instance { get; } = new();

        /// <inheritdoc/>
        public override SignalWork? Work => null;
    }

    /// <summary>A signal told again: its orders are asked of the exchange by their client order ids before anything else.</summary>
    public sealed record CheckingEarlierOrders(SignalWork Signal) : SubscriptionPhase
    {
        /// <inheritdoc/>
        public override SignalWork Work => Signal;
    }

    /// <summary>The account (price, filters, position, realized PnL) is being read.</summary>
    public sealed record ReadingMarket(SignalWork Signal) : SubscriptionPhase
    {
        /// <inheritdoc/>
        public override SignalWork Work => Signal;
    }

    /// <summary>The stop-loss and take-profit of the position before this signal are being cancelled.</summary>
    public sealed record CancellingStaleProtection(SignalWork Signal, IReadOnlyList<string> SignalIds) : SubscriptionPhase
    {
        /// <inheritdoc/>
        public override SignalWork Work => Signal;
    }

    /// <summary>Leg <paramref name="Leg"/> is being placed, or looked up (<paramref name="LookingUp"/>), or waits for its retry.</summary>
    public sealed record PlacingLeg(SignalWork Signal, PlannedLeg Leg, bool LookingUp) : SubscriptionPhase
    {
        /// <inheritdoc/>
        public override SignalWork Work => Signal;
    }

    /// <summary>The stop-loss and take-profit of the position opened are being placed.</summary>
    public sealed record Protecting(SignalWork Signal) : SubscriptionPhase
    {
        /// <inheritdoc/>
        public override SignalWork Work => Signal;
    }
}

/// <summary>What the core is told: a command, or the result of an effect it asked for.</summary>
public abstract record SubscriptionInput
{
    private SubscriptionInput()
    {
    }

    /// <summary>A signal of the bot (<paramref name="Received"/> stamped with the time it reached the subscription).</summary>
    public sealed record Signal(SignalReceived Received, bool Redelivered) : SubscriptionInput;

    /// <summary>Recovery is complete: a signal an earlier version stored as in flight is resumed.</summary>
    public sealed record Recovered : SubscriptionInput
    {
        /// <summary>The one instance.</summary>
        public static Recovered Instance { get; } = new();
    }

    /// <summary>The account was read.</summary>
    public sealed record MarketRead(MarketState Market) : SubscriptionInput;

    /// <summary>The account could not be read.</summary>
    public sealed record MarketReadFailed(Exception Error) : SubscriptionInput;

    /// <summary>The exchange's orders with the signal's client order ids (none when it has none).</summary>
    public sealed record EarlierOrdersFound(IReadOnlyList<ExchangeOrder> Orders) : SubscriptionInput;

    /// <summary>The exchange could not be asked for the signal's orders.</summary>
    public sealed record EarlierOrdersLookUpFailed(Exception Error) : SubscriptionInput;

    /// <summary>The order was placed and confirmed (<paramref name="LeverageSet"/>: the gateway set the leverage first).</summary>
    public sealed record OrderPlaced(ExchangeOrder Order, bool LeverageSet) : SubscriptionInput;

    /// <summary>Placing the order failed: refused, retryable, or with an unknown outcome (see the error's kind).</summary>
    public sealed record OrderFailed(Exception Error) : SubscriptionInput;

    /// <summary>The leg was looked up by its client order id: the exchange's order, or null when it has none.</summary>
    public sealed record OrderLookedUp(ExchangeOrder? Order) : SubscriptionInput;

    /// <summary>The exchange could not be asked for the leg.</summary>
    public sealed record OrderLookUpFailed(Exception Error) : SubscriptionInput;

    /// <summary>The stale stop-loss and take-profit were cancelled (or were not there).</summary>
    public sealed record StaleProtectionCancelled : SubscriptionInput
    {
        /// <summary>The one instance.</summary>
        public static StaleProtectionCancelled Instance { get; } = new();
    }

    /// <summary>Cancelling the stale stop-loss and take-profit failed.</summary>
    public sealed record StaleProtectionCancelFailed(Exception Error) : SubscriptionInput;

    /// <summary>The protection was placed, but for <paramref name="Problems"/>.</summary>
    public sealed record ProtectionPlaced(IReadOnlyList<string> Problems) : SubscriptionInput;

    /// <summary>A retry asked for with <see cref="SubscriptionEffect.RetryAfter"/> is due.</summary>
    public sealed record RetryDue : SubscriptionInput
    {
        /// <summary>The one instance.</summary>
        public static RetryDue Instance { get; } = new();
    }
}

/// <summary>What the core asks the entity to do; each result but <see cref="Answer"/>'s, <see cref="Stash"/>'s and
/// <see cref="Log"/>'s comes back as a <see cref="SubscriptionInput"/>. Run once the decision's events are stored.</summary>
public abstract record SubscriptionEffect
{
    private SubscriptionEffect()
    {
    }

    /// <summary>Read the account for <paramref name="Symbol"/> (realized PnL only when a limit needs it).</summary>
    public sealed record ReadMarket(string Symbol, bool WithRealizedPnl) : SubscriptionEffect;

    /// <summary>Ask the exchange for the orders with these client order ids (each one not found is left out).</summary>
    public sealed record LookUpEarlierOrders(string Symbol, IReadOnlyList<string> ClientOrderIds) : SubscriptionEffect;

    /// <summary>Ask the exchange for the leg's order by its client order id.</summary>
    public sealed record LookUpByClientOrderId(string Symbol, PlannedLeg Leg) : SubscriptionEffect;

    /// <summary>Cancel these orders (idempotent at every venue: one filled, cancelled or never placed is no error).</summary>
    public sealed record Cancel(string Symbol, IReadOnlyList<string> ClientOrderIds) : SubscriptionEffect;

    /// <summary>Place the market order (an opening one with its <paramref name="Leverage"/>, set by the gateway when it differs).</summary>
    public sealed record Place(MarketOrderRequest Request, int? Leverage) : SubscriptionEffect;

    /// <summary>Place the stop-loss and take-profit of the position opened at <paramref name="EntryPrice"/>; a duplicate client
    /// order id is one placed before a crash, not a problem.</summary>
    public sealed record Protect(string Symbol, OrderSide Side, decimal EntryPrice, TradingParameters Parameters, string StopLossClientOrderId, string TakeProfitClientOrderId)
        : SubscriptionEffect;

    /// <summary>Tell <see cref="SubscriptionInput.RetryDue"/> after <paramref name="Delay"/>.</summary>
    public sealed record RetryAfter(TimeSpan Delay) : SubscriptionEffect;

    /// <summary>Tell the bot the signal's outcome (a receipt). After a new outcome, also take the signals put aside.</summary>
    public sealed record Answer(SignalCompleted Outcome, bool Unstash) : SubscriptionEffect;

    /// <summary>Put the command aside until the signal in hand is done.</summary>
    public sealed record Stash : SubscriptionEffect
    {
        /// <summary>The one instance.</summary>
        public static Stash Instance { get; } = new();
    }

    /// <summary>Log a warning, or an error when <paramref name="IsError"/>.</summary>
    public sealed record Log(bool IsError, string Message) : SubscriptionEffect;
}

/// <summary>What the core decided: events to store (in one write), effects to run once they are, and the next phase.</summary>
public readonly record struct SubscriptionDecision(IReadOnlyList<object> Events, IReadOnlyList<SubscriptionEffect> Effects, SubscriptionPhase Next)
{
    /// <summary>Nothing to do; the phase stays.</summary>
    public static SubscriptionDecision Nothing(SubscriptionPhase phase) => new([], [], phase);
}

/// <summary>
/// The decisions of a subscription for one signal (pure: no actor, no journal, no exchange). For each signal: freshness and
/// status checks → read the account → plan → place each market order (once flat, the stop-loss and take-profit of the
/// position before are cancelled first; an opening one carries its leverage) → stop-loss and take-profit → the one outcome.
/// </summary>
/// <remarks>
/// <code>
///   Idle ──Signal──► [CheckingEarlierOrders] → ReadingMarket → PlacingLeg(i) (before an open, or after the last close:
///                     [CancellingStaleProtection]) → [Protecting] ──SignalCompleted──► Idle
/// </code>
/// Exactly once (invariant I2): a signal told again is first looked up by its client order ids, before any check that
/// could skip it; an order the exchange has is never placed again; a leg whose answer was lost (or whose outcome is
/// unknown) is looked up before it is placed again. Where the exchange could not say whether an order was placed, the
/// outcome is <see cref="ExecutionStatus.Unknown"/>, never failed.
/// </remarks>
public static class SubscriptionCore
{
    /// <summary>How often a leg is placed, or looked up, before the signal is given up.</summary>
    public const int MaxPlacementAttempts = 3;

    /// <summary>The next step of subscription <paramref name="subscriptionId"/> in <paramref name="phase"/>, told <paramref name="input"/> at <paramref name="now"/>.</summary>
    public static SubscriptionDecision Decide(SubscriptionState state, SubscriptionPhase phase, SubscriptionInput input, string subscriptionId, DateTimeOffset now)
    {
        var step = new Step(state, subscriptionId, now);
        return (phase, input) switch
        {
            (_, SubscriptionInput.Signal signal) => step.OnSignal(phase, signal),
            (SubscriptionPhase.Idle, SubscriptionInput.Recovered) => step.Resume(),
            (SubscriptionPhase.CheckingEarlierOrders checking, SubscriptionInput.EarlierOrdersFound found) => step.OnEarlierOrders(checking.Signal, found.Orders),
            (SubscriptionPhase.CheckingEarlierOrders checking, SubscriptionInput.EarlierOrdersLookUpFailed failed) => step.OnEarlierOrdersFailed(checking.Signal, failed.Error),
            (SubscriptionPhase.CheckingEarlierOrders checking, SubscriptionInput.RetryDue) => step.LookUpEarlierOrders(checking.Signal),
            (SubscriptionPhase.ReadingMarket reading, SubscriptionInput.MarketRead read) => step.OnMarketRead(reading.Signal, read.Market),
            (SubscriptionPhase.ReadingMarket reading, SubscriptionInput.MarketReadFailed failed) =>
                step.Complete(reading.Signal, ExecutionStatus.Failed, $"could not read the account: {Describe(failed.Error)}"),
            (SubscriptionPhase.CancellingStaleProtection cancelling, SubscriptionInput.StaleProtectionCancelled) => step.OnStaleProtection(cancelling, null),
            (SubscriptionPhase.CancellingStaleProtection cancelling, SubscriptionInput.StaleProtectionCancelFailed failed) => step.OnStaleProtection(cancelling, failed.Error),
            (SubscriptionPhase.PlacingLeg placing, SubscriptionInput.OrderPlaced placed) => step.OnConfirmed(placing, placed.Order, placed.LeverageSet),
            (SubscriptionPhase.PlacingLeg { LookingUp: true } placing, SubscriptionInput.OrderLookedUp { Order: { } order }) => step.OnConfirmed(placing, order, false),
            (SubscriptionPhase.PlacingLeg { LookingUp: true } placing, SubscriptionInput.OrderLookedUp) => step.OnNotFound(placing),
            (SubscriptionPhase.PlacingLeg { LookingUp: true } placing, SubscriptionInput.OrderLookUpFailed failed) => step.OnLookUpFailed(placing, failed.Error),
            (SubscriptionPhase.PlacingLeg { LookingUp: false } placing, SubscriptionInput.OrderFailed failed) => step.OnPlacementFailed(placing, failed.Error),
            (SubscriptionPhase.PlacingLeg placing, SubscriptionInput.RetryDue) => step.PlaceNextLeg(placing.Signal),
            (SubscriptionPhase.Protecting protecting, SubscriptionInput.ProtectionPlaced placed) => step.OnProtection(protecting.Signal, placed.Problems),

            // A result that does not belong to the phase (late, or for another step) changes nothing.
            _ => SubscriptionDecision.Nothing(phase),
        };
    }

    /// <summary>Describes an exchange error for an outcome's reason.</summary>
    public static string Describe(Exception error) => error switch
    {
        LeverageNotSetException leverage => $"could not set leverage {leverage.Leverage}x on {leverage.Symbol}: {(leverage.InnerException is { } inner ? Describe(inner) : leverage.Message)}",
        ExchangeException exchange => exchange.Kind switch
        {
            ExchangeErrorKind.Rejected => $"rejected by {exchange.Exchange}: {exchange.VenueMessage}",
            ExchangeErrorKind.AccountFatal => $"account unusable on {exchange.Exchange}: {exchange.VenueMessage}",
            ExchangeErrorKind.Retryable => $"{exchange.Exchange} unavailable: {exchange.VenueMessage}",
            _ => $"outcome unknown on {exchange.Exchange}: {exchange.VenueMessage}",
        },
        _ => error.Message,
    };

    private static SubscriptionDecision Go(SubscriptionPhase next, SubscriptionEffect effect) => new([], [effect], next);

    private static OrderConfirmed Confirmation(string signalId, int leg, ExchangeOrder order) =>
        new(signalId, leg, order.ClientOrderId, order.ExchangeOrderId, order.ExecutedQuantity, order.AveragePrice);

    private static SubscriptionDecision WithLog(SubscriptionDecision decision, SubscriptionEffect.Log log) =>
        decision with { Effects = [log, .. decision.Effects] };

    private readonly record struct Step(SubscriptionState State, string SubscriptionId, DateTimeOffset Now)
    {
        public SubscriptionDecision OnSignal(SubscriptionPhase phase, SubscriptionInput.Signal signal)
        {
            var received = signal.Received;
            if (State.Completed.TryGetValue(received.SignalId, out var done))
            {
                // At-least-once delivery from the bot: answer again, trade never twice.
                return Go(phase, new SubscriptionEffect.Answer(done, false));
            }

            if (phase.Work is { } work)
            {
                return work.Received.SignalId == received.SignalId ? SubscriptionDecision.Nothing(phase) : Go(phase, SubscriptionEffect.Stash.Instance);
            }

            var fresh = SignalWork.For(received);

            // Before anything that could skip it (stale by now, a position limit its own order filled): ask first.
            return signal.Redelivered && State.Definition is not null ? LookUpEarlierOrders(fresh) : Check(fresh);
        }

        public SubscriptionDecision Resume()
        {
            if (State.InFlight is not { } inFlight)
            {
                return SubscriptionDecision.Nothing(SubscriptionPhase.Idle.Instance);
            }

            if (inFlight.Plan is null)
            {
                // Stored by an earlier version before its plan: nothing was sent for it yet. Start over (freshness is
                // judged by the acceptance time, not by now).
                return Check(SignalWork.For(inFlight.Received));
            }

            var work = SignalWork.For(inFlight.Received) with { Plan = inFlight.Plan };
            foreach (var (_, confirmed) in inFlight.Confirmed)
            {
                work = work.Confirm(confirmed);
            }

            // Every order not confirmed in the journal may have reached the exchange before the crash: each is asked for
            // by its client order id before anything is placed (I2), not only the first.
            foreach (var leg in inFlight.Plan.Legs)
            {
                if (work.ConfirmationOf(leg.Leg) is null)
                {
                    work = work.WithUnverified(leg.Leg, true);
                }
            }

            return PlaceNextLeg(work);
        }

        public SubscriptionDecision LookUpEarlierOrders(SignalWork work)
        {
            var signalId = work.Received.SignalId;
            string[] ids = [ClientOrderIds.For(SubscriptionId, signalId, ClientOrderIds.Legs.Close), ClientOrderIds.For(SubscriptionId, signalId, ClientOrderIds.Legs.Open)];
            return Go(new SubscriptionPhase.CheckingEarlierOrders(work), new SubscriptionEffect.LookUpEarlierOrders(work.Received.Signal.Ticker, ids));
        }

        public SubscriptionDecision OnEarlierOrdersFailed(SignalWork work, Exception error)
        {
            // The exchange could not say: ask again later, never trade meanwhile. Given up, whether orders were placed is not known.
            var attempts = work.LookupAttempts + 1;
            if (attempts >= MaxPlacementAttempts)
            {
                return Complete(work with { LookupAttempts = attempts }, ExecutionStatus.Unknown,
                    $"told again after a possible crash, and the exchange could not be asked for its orders ({attempts} tries): {Describe(error)}");
            }

            return Go(new SubscriptionPhase.CheckingEarlierOrders(work with { LookupAttempts = attempts }), new SubscriptionEffect.RetryAfter(TimeSpan.FromMilliseconds(200 * attempts)));
        }

        public SubscriptionDecision OnEarlierOrders(SignalWork work, IReadOnlyList<ExchangeOrder> found)
        {
            work = work with { LookupAttempts = 0 };
            var received = work.Received;
            var close = ClientOrderIds.For(SubscriptionId, received.SignalId, ClientOrderIds.Legs.Close);
            var traded = found.Count > 0 && received.Signal.Action.Closes();
            foreach (var order in found)
            {
                traded |= order.ClientOrderId != close;
            }

            if (!traded)
            {
                // Nothing opened: trade it now, as if told the first time; the close of a flip already placed is in the outcome.
                var recovered = ImmutableArray.CreateBuilder<OrderConfirmed>(found.Count);
                for (var index = 0; index < found.Count; index++)
                {
                    recovered.Add(Confirmation(received.SignalId, index, found[index]));
                }

                return Check(work with { Recovered = recovered.DrainToImmutable() });
            }

            // The trade was placed (its open, or the one order of a close signal): record what the exchange has, then the
            // protection (placed once: a duplicate is recognised).
            var legs = new PlannedLeg[found.Count];
            for (var index = 0; index < found.Count; index++)
            {
                var order = found[index];
                var isClose = order.ClientOrderId == close;
                legs[index] = new PlannedLeg(index, isClose ? ClientOrderIds.Legs.Close : ClientOrderIds.Legs.Open, order.Side, order.ExecutedQuantity, isClose, order.ClientOrderId);
                work = work.Confirm(Confirmation(received.SignalId, index, order));
            }

            work = work with
            {
                Plan = new OrdersPlanned(received.SignalId, received.Signal.Ticker, legs, EffectiveConfiguration.Resolve(received.BotDefaults, State.Overrides), null),
            };
            return PlaceNextLeg(work);
        }

        public SubscriptionDecision Check(SignalWork work)
        {
            var received = work.Received;
            if (State.Definition is null)
            {
                return Complete(work, ExecutionStatus.Failed, $"subscription {SubscriptionId} does not exist");
            }

            if (State.Status == SubscriptionStatus.Cancelled)
            {
                return Complete(work, ExecutionStatus.Skipped, "subscription cancelled");
            }

            if (SignalFreshness.IsStale(received.AcceptedAt, Now, received.TimeToLive))
            {
                return Complete(work, ExecutionStatus.Skipped, SignalFreshness.Reason(received.AcceptedAt, Now, received.TimeToLive));
            }

            return Go(new SubscriptionPhase.ReadingMarket(work), new SubscriptionEffect.ReadMarket(received.Signal.Ticker, State.Limits.MaxDailyLossUsd is not null));
        }

        public SubscriptionDecision OnMarketRead(SignalWork work, MarketState market)
        {
            var received = work.Received;
            var parameters = EffectiveConfiguration.Resolve(received.BotDefaults, State.Overrides);
            // Paused: what reduces the position is still done (OnMarketRead plans it); only opening stops.
            var plan = TradePlanner.Plan(received.Signal.Action, parameters, State.Limits, market,
                openingBlocked: State.Status == SubscriptionStatus.Paused ? "subscription paused" : null);
            if (plan.IsEmpty && received.Signal.Action.Closes() && market.PositionQuantity == 0 && HasProtectionBefore(received))
            {
                // The position went without this subscription (closed by hand, or liquidated): the stop-loss and take-profit
                // it had are left on the exchange, and would close a position opened later. Nothing to trade; they go now.
                return PlaceNextLeg(work with { Plan = new OrdersPlanned(received.SignalId, received.Signal.Ticker, [], parameters, plan.SkipReason) });
            }

            if (plan.IsEmpty)
            {
                return Complete(work, ExecutionStatus.Skipped, plan.SkipReason);
            }

            var legs = new PlannedLeg[plan.Legs.Count];
            var closes = false;
            for (var index = 0; index < legs.Length; index++)
            {
                var leg = plan.Legs[index];
                var name = leg.Kind == LegKind.Close ? ClientOrderIds.Legs.Close : ClientOrderIds.Legs.Open;
                closes |= leg.Kind == LegKind.Close;
                legs[index] = new PlannedLeg(index, name, leg.Side, leg.Quantity, leg.ReduceOnly, ClientOrderIds.For(SubscriptionId, received.SignalId, name));
            }

            if (work.Recovered.Length > 0 && closes)
            {
                // The close placed before the restart did not leave the position flat (filled in part, or the account traded
                // meanwhile). Another close would carry the same client order id: nothing more is placed.
                return Complete(work, ExecutionStatus.Failed, $"the position is still open after it; nothing more placed: check the {received.Signal.Ticker} position");
            }

            return PlaceNextLeg(work with { Plan = new OrdersPlanned(received.SignalId, received.Signal.Ticker, legs, parameters, plan.SkipReason) });
        }

        public SubscriptionDecision PlaceNextLeg(SignalWork work)
        {
            var plan = work.Plan ?? throw new InvalidOperationException("a leg is placed only once the signal is planned");
            var leg = work.NextLeg;

            // The stop-loss and take-profit of the position before this signal go once it is flat: after the close, before an
            // open (left on the exchange, the old ones would close the new position at the old levels).
            if ((leg is null || !leg.ReduceOnly) && !work.StaleProtectionHandled)
            {
                return CancelStaleProtection(work with { StaleProtectionHandled = true }, plan.Symbol);
            }

            if (leg is null)
            {
                return Protect(work, plan);
            }

            if (work.IsUnverified(leg.Leg))
            {
                // It may have reached the exchange before the crash or the lost answer: ask before placing (I2).
                return Go(new SubscriptionPhase.PlacingLeg(work.WithUnverified(leg.Leg, false), leg, true), new SubscriptionEffect.LookUpByClientOrderId(plan.Symbol, leg));
            }

            // A leg that opens carries its leverage: the gateway sets it in the same turn when the account last set another.
            var request = new MarketOrderRequest(plan.Symbol, leg.Side, leg.Quantity, leg.ClientOrderId, leg.ReduceOnly);
            return Go(new SubscriptionPhase.PlacingLeg(work with { Attempts = work.Attempts + 1 }, leg, false),
                new SubscriptionEffect.Place(request, leg.ReduceOnly ? null : plan.Parameters.Leverage));
        }

        public SubscriptionDecision OnConfirmed(SubscriptionPhase.PlacingLeg placing, ExchangeOrder order, bool leverageSet)
        {
            var work = placing.Signal;
            var plan = work.Plan ?? throw new InvalidOperationException("a leg is placed only once the signal is planned");
            work = work with
            {
                Confirmed = SignalWork.With(work.Confirmed, Confirmation(plan.SignalId, placing.Leg.Leg, order)),
                Leverage = leverageSet ? new LeverageSet(plan.Symbol, plan.Parameters.Leverage) : work.Leverage,
                Attempts = 0,
            };
            return PlaceNextLeg(work);
        }

        public SubscriptionDecision OnNotFound(SubscriptionPhase.PlacingLeg placing)
        {
            // The exchange has no such order: the earlier attempt never arrived. Only now is it safe to place again.
            var work = placing.Signal;
            return work.Attempts >= MaxPlacementAttempts
                ? FailLeg(work, placing.Leg, $"no confirmation after {work.Attempts} attempts", ExecutionStatus.Failed)
                : PlaceNextLeg(work);
        }

        public SubscriptionDecision OnLookUpFailed(SubscriptionPhase.PlacingLeg placing, Exception error)
        {
            // The exchange could not say whether it has the order: ask again later, never place meanwhile.
            var attempts = placing.Signal.LookupAttempts + 1;
            var work = placing.Signal.WithUnverified(placing.Leg.Leg, true) with { LookupAttempts = attempts };
            if (attempts >= MaxPlacementAttempts)
            {
                return FailLeg(work, placing.Leg, $"it may have been placed, and the exchange could not be asked ({attempts} tries): {Describe(error)}", ExecutionStatus.Unknown);
            }

            return Go(placing with { Signal = work }, new SubscriptionEffect.RetryAfter(TimeSpan.FromMilliseconds(200 * attempts)));
        }

        public SubscriptionDecision OnPlacementFailed(SubscriptionPhase.PlacingLeg placing, Exception error)
        {
            var work = placing.Signal;
            var leg = placing.Leg;
            if (error is LeverageNotSetException)
            {
                return Complete(work, ExecutionStatus.Failed, Describe(error));
            }

            var exchange = error as ExchangeException;
            var kind = exchange?.Kind ?? ExchangeErrorKind.OutcomeUnknown;
            if (kind == ExchangeErrorKind.OutcomeUnknown || exchange?.Code == ExchangeErrorCodes.DuplicateClientOrderId)
            {
                var warning = new SubscriptionEffect.Log(false, $"outcome of order {leg.ClientOrderId} unknown ({error.Message}); asking the exchange");
                return WithLog(PlaceNextLeg(work.WithUnverified(leg.Leg, true)), warning);
            }

            if (kind == ExchangeErrorKind.Retryable && work.Attempts < MaxPlacementAttempts)
            {
                return Go(placing, new SubscriptionEffect.RetryAfter(TimeSpan.FromMilliseconds(200 * work.Attempts)));
            }

            return FailLeg(work, leg, Describe(error), ExecutionStatus.Failed);
        }

        public SubscriptionDecision OnStaleProtection(SubscriptionPhase.CancellingStaleProtection cancelling, Exception? error)
        {
            var work = cancelling.Signal;
            SubscriptionEffect.Log? problem = null;
            if (error is not null)
            {
                // Kept as the symbol's protection, so that the next trade in it tries again; the trade goes on (the position
                // must not wait for a cancel), and the outcome says what is left open.
                var message = $"stop-loss and take-profit of signal {string.Join(", ", cancelling.SignalIds)} not cancelled: {Describe(error)}";
                work = work with { Problems = work.Problems.Add(message), StaleProtectionLeft = cancelling.SignalIds };
                problem = new SubscriptionEffect.Log(true, message);
            }

            var symbol = work.Plan?.Symbol ?? work.Received.Signal.Ticker;
            var next = PlaceNextLeg(work with { ProtectionAfter = new PositionProtection(symbol, work.StaleProtectionLeft) });
            return problem is null ? next : WithLog(next, problem);
        }

        public SubscriptionDecision OnProtection(SignalWork work, IReadOnlyList<string> problems)
        {
            if (problems.Count == 0)
            {
                return Finish(work);
            }

            var decision = Finish(work with { Problems = work.Problems.AddRange(problems) });
            var logs = new SubscriptionEffect[problems.Count];
            for (var index = 0; index < logs.Length; index++)
            {
                logs[index] = new SubscriptionEffect.Log(true, problems[index]);
            }

            return decision with { Effects = [.. logs, .. decision.Effects] };
        }

        public SubscriptionDecision Complete(SignalWork work, ExecutionStatus status, string? reason, string? exchangeOrderId = null, decimal? price = null, decimal? quantity = null)
        {
            var received = work.Received;
            List<OrderConfirmed> orders = work.Recovered.Length == 0 ? [.. work.Confirmed] : Merged(work);
            if (work.Recovered.Length > 0 && status != ExecutionStatus.Executed)
            {
                // A close an earlier incarnation placed is a trade, whatever became of the rest.
                var close = work.Recovered[0];
                (status, reason) = status == ExecutionStatus.Skipped
                    ? (ExecutionStatus.Executed, $"position closed; not reopened: {reason}")
                    : (status, $"close order {close.ClientOrderId} placed before a restart, then: {reason}");
                (exchangeOrderId, price, quantity) = (close.ExchangeOrderId, close.AveragePrice, close.ExecutedQuantity);
            }

            var elapsed = (long)(Now - received.At).TotalMilliseconds;
            var completed = new SignalCompleted(received.SignalId, received.BotId, status, reason, exchangeOrderId, price, quantity, Math.Max(0, elapsed), Now,
                orders.Count == 0 ? null : orders, received.SignalNumber, received.PendingFrom, work.ProtectionAfter);

            // One write: the leverage set on the way (if any) and the outcome.
            object[] events = work.Leverage is { } leverage ? [leverage, completed] : [completed];
            return new SubscriptionDecision(events, [new SubscriptionEffect.Answer(completed, true)], SubscriptionPhase.Idle.Instance);
        }

        private SubscriptionDecision CancelStaleProtection(SignalWork work, string symbol)
        {
            // Most signals find none: nothing is allocated for them.
            List<string>? previous = null;
            if (State.ProtectedBy.TryGetValue(symbol, out var recorded))
            {
                for (var index = 0; index < recorded.Count; index++)
                {
                    if (recorded[index] != work.Received.SignalId)
                    {
                        (previous ??= new List<string>(recorded.Count)).Add(recorded[index]);
                    }
                }
            }

            if (previous is null)
            {
                return PlaceNextLeg(work);
            }

            var ids = new string[previous.Count * 2];
            for (var index = 0; index < previous.Count; index++)
            {
                ids[2 * index] = ClientOrderIds.For(SubscriptionId, previous[index], ClientOrderIds.Legs.StopLoss);
                ids[(2 * index) + 1] = ClientOrderIds.For(SubscriptionId, previous[index], ClientOrderIds.Legs.TakeProfit);
            }

            return Go(new SubscriptionPhase.CancellingStaleProtection(work, previous), new SubscriptionEffect.Cancel(symbol, ids));
        }

        private SubscriptionDecision Protect(SignalWork work, OrdersPlanned plan)
        {
            PlannedLeg? open = null;
            for (var index = plan.Legs.Count - 1; index >= 0 && open is null; index--)
            {
                open = plan.Legs[index].ReduceOnly ? null : plan.Legs[index];
            }

            if (open is null || work.ConfirmationOf(open.Leg) is not { AveragePrice: > 0 } entry)
            {
                return Finish(work);
            }

            var signalId = plan.SignalId;
            work = work with { ProtectionAfter = new PositionProtection(plan.Symbol, [.. work.StaleProtectionLeft, signalId]) };
            return Go(new SubscriptionPhase.Protecting(work), new SubscriptionEffect.Protect(plan.Symbol, open.Side, entry.AveragePrice, plan.Parameters,
                ClientOrderIds.For(SubscriptionId, signalId, ClientOrderIds.Legs.StopLoss), ClientOrderIds.For(SubscriptionId, signalId, ClientOrderIds.Legs.TakeProfit)));
        }

        private SubscriptionDecision Finish(SignalWork work)
        {
            var plan = work.Plan ?? throw new InvalidOperationException("a signal is finished only once planned");
            if (plan.Legs.Count == 0)
            {
                // A close with no position left: only the protection it had was dealt with.
                var cancelled = work.StaleProtectionLeft.Count == 0 ? "; its stop-loss and take-profit cancelled" : "";
                return Complete(work, ExecutionStatus.Skipped, string.Join("; ", [plan.SkipReason + cancelled, .. work.Problems]));
            }

            var last = work.ConfirmationOf(plan.Legs.Count - 1) ?? throw new InvalidOperationException("a signal is finished only once its last leg is confirmed");
            var reason = plan.SkipReason is { } skipped
                ? string.Join("; ", [$"position closed; not reopened: {skipped}", .. work.Problems])
                : work.Problems.IsEmpty ? null : string.Join("; ", work.Problems);
            return Complete(work, ExecutionStatus.Executed, reason, last.ExchangeOrderId, last.AveragePrice, last.ExecutedQuantity);
        }

        private SubscriptionDecision FailLeg(SignalWork work, PlannedLeg leg, string reason, ExecutionStatus status)
        {
            var done = work.Confirmed.Length;
            var prefix = done > 0 ? $"{done} of {work.Plan?.Legs.Count} orders placed, then " : "";
            return Complete(work, status, $"{prefix}{(leg.ReduceOnly ? "closing" : "opening")} order {leg.ClientOrderId} failed: {reason}");
        }

        private bool HasProtectionBefore(SignalReceived received)
        {
            if (!State.ProtectedBy.TryGetValue(received.Signal.Ticker, out var signals))
            {
                return false;
            }

            foreach (var signalId in signals)
            {
                if (signalId != received.SignalId)
                {
                    return true;
                }
            }

            return false;
        }

        private static List<OrderConfirmed> Merged(SignalWork work)
        {
            // The orders recovered first, then those confirmed now, each client order id once, numbered again.
            var merged = new List<OrderConfirmed>(work.Recovered.Length + work.Confirmed.Length);
            foreach (var order in work.Recovered.Concat(work.Confirmed))
            {
                if (!merged.Exists(o => o.ClientOrderId == order.ClientOrderId))
                {
                    merged.Add(order with { Leg = merged.Count });
                }
            }

            return merged;
        }
    }
}
