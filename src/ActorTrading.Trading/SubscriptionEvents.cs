using ActorTrading.Domain;
using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>What a subscription entity stores (stable names in <c>TradingSerializer</c>).</summary>
public static class SubscriptionEvents
{
    /// <summary>A trader subscribed a bot with an exchange account.</summary>
    public sealed record SubscriptionCreated(string SubscriptionId, string OwnerId, string BotId, string AccountId, ExchangeName Exchange, ParameterOverrides Overrides, RiskLimits Limits, DateTimeOffset At);

    /// <summary>Overrides or limits changed.</summary>
    public sealed record SubscriptionUpdated(ParameterOverrides Overrides, RiskLimits Limits, DateTimeOffset At);

    /// <summary>Signals are skipped while paused.</summary>
    public sealed record SubscriptionPaused(DateTimeOffset At);

    /// <summary>Signals are traded again.</summary>
    public sealed record SubscriptionResumed(DateTimeOffset At);

    /// <summary>For good: no more signals.</summary>
    public sealed record SubscriptionCancelled(DateTimeOffset At);

    /// <summary>A signal reached the subscription. Written by earlier versions, on its own or inside <see cref="SignalPlanned"/>;
    /// now carried by nothing but those (a signal needs no record but its outcome).</summary>
    /// <remarks><see cref="SignalNumber"/> and <see cref="PendingFrom"/> are the bot's (see <c>TradeSignal</c>); null in events of earlier versions.</remarks>
    public sealed record SignalReceived(string SignalId, string BotId, Signal Signal, DateTimeOffset AcceptedAt, TradingParameters BotDefaults, TimeSpan TimeToLive, DateTimeOffset At,
        long? SignalNumber = null, long? PendingFrom = null);

    /// <summary>The orders the subscription will place for a signal. Written by earlier versions, on its own or inside
    /// <see cref="SignalPlanned"/>.</summary>
    public sealed record OrdersPlanned(string SignalId, string Symbol, IReadOnlyList<PlannedLeg> Legs, TradingParameters Parameters, string? SkipReason);

    /// <summary>The exchange confirmed the order. Written by earlier versions on its own; now carried by
    /// <see cref="SignalCompleted.Orders"/>.</summary>
    public sealed record OrderConfirmed(string SignalId, int Leg, string ClientOrderId, string ExchangeOrderId, decimal ExecutedQuantity, decimal AveragePrice);

    /// <summary>The account's leverage for the symbol was set for this signal's order (by the gateway, only when it differs from
    /// what the account last set). Stored in the same write as the outcome, as a record: nothing reads it back.</summary>
    public sealed record LeverageSet(string Symbol, int Leverage);

    /// <summary>
    /// A signal reached the subscription and these orders will be placed for it. Written before any order by earlier
    /// versions (now nothing is stored before the outcome): replayed, each order not in the outcome is looked up by its
    /// client id before anything is sent again (invariant I2).
    /// </summary>
    public sealed record SignalPlanned(SignalReceived Received, OrdersPlanned Plan);

    /// <summary>The signal's one outcome (invariant I1): executed, skipped or failed, with the reason, and every order the
    /// exchange confirmed for it (<see cref="Orders"/> is null in events of earlier versions, which stored them apart).</summary>
    /// <remarks>
    /// <see cref="SignalNumber"/> and <see cref="PendingFrom"/> (the bot's, see <c>TradeSignal</c>) let the subscription forget
    /// outcomes the bot will never ask for again: applying this event drops every remembered outcome numbered below
    /// <see cref="PendingFrom"/>. Null in events of earlier versions, whose outcomes are kept.
    /// <para><see cref="Protection"/> says, when the signal changed the position, whose stop-losses and take-profits may be open on
    /// the exchange for its symbol afterwards (null in events of earlier versions, which did not track them).</para>
    /// </remarks>
    public sealed record SignalCompleted(string SignalId, string BotId, ExecutionStatus Status, string? Reason, string? ExchangeOrderId, decimal? Price, decimal? Quantity, long ElapsedMs, DateTimeOffset At,
        IReadOnlyList<OrderConfirmed>? Orders = null, long? SignalNumber = null, long? PendingFrom = null, PositionProtection? Protection = null);

    /// <summary>After an outcome: the signals whose stop-loss and take-profit may still be open for <paramref name="Symbol"/>
    /// (the one that opened the position, and any whose cancel failed); empty when none of this subscription's are.</summary>
    public sealed record PositionProtection(string Symbol, IReadOnlyList<string> SignalIds);
}

/// <summary>A market order of a planned trade, with its client order id.</summary>
public sealed record PlannedLeg(int Leg, string LegName, OrderSide Side, decimal Quantity, bool ReduceOnly, string ClientOrderId);

/// <summary>How a signal ended for a subscription.</summary>
public enum ExecutionStatus
{
    /// <summary>Orders were placed and confirmed.</summary>
    Executed,

    /// <summary>Deliberately not traded, for a reason the subscriber can read (risk limit, stale, too small…).</summary>
    Skipped,

    /// <summary>Tried and failed, for a reason; nothing more will be tried for this signal. Never used when an order may have
    /// been placed: that is <see cref="Unknown"/>.</summary>
    Failed,

    /// <summary>Whether an order was placed is not known (the exchange could not be asked); nothing more will be tried, and the
    /// subscriber must check the account. Counted with the failures in the statistics.</summary>
    Unknown,

    /// <summary>The subscription did not answer within the bot's receipt timeout (written by the bot's fan-out, never by a
    /// subscription): what it did is not known. Replaced by the subscription's own outcome when that comes.</summary>
    Unanswered,
}
