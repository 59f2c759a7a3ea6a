using ActorTrading.Actors;
using ActorTrading.Domain;

namespace ActorTrading.Trading;

/// <summary>Messages for a subscription entity carry its id; the subscription region's extractor reads it.</summary>
public interface IWithSubscriptionId
{
    /// <summary>The subscription.</summary>
    string SubscriptionId { get; }
}

/// <summary>The subscription entity's protocol.</summary>
public static class SubscriptionProtocol
{
    /// <summary>Creates the subscription.</summary>
    public sealed record CreateSubscription(string SubscriptionId, string OwnerId, string BotId, string AccountId, Exchanges.ExchangeName Exchange, ParameterOverrides Overrides, RiskLimits Limits, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>Changes overrides and limits.</summary>
    public sealed record UpdateSubscription(string SubscriptionId, ParameterOverrides Overrides, RiskLimits Limits, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>Skips signals until resumed.</summary>
    public sealed record PauseSubscription(string SubscriptionId, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>Trades signals again.</summary>
    public sealed record ResumeSubscription(string SubscriptionId, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>Ends the subscription for good.</summary>
    public sealed record CancelSubscription(string SubscriptionId, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>
    /// A signal of the subscription's bot to trade, with the bot's defaults at acceptance. <paramref name="SignalNumber"/>
    /// counts the bot's signals (1, 2, …); the bot will never send this subscription a signal numbered below
    /// <paramref name="PendingFrom"/> again (each has this subscription's receipt, or every receipt), so it may forget them. <paramref name="Redelivered"/> is true for every
    /// telling but the first one of the incarnation that accepted the signal (a resend, or after the bot's restart): the
    /// subscription may have placed orders for it before, unrecorded, and asks the exchange before anything else.
    /// </summary>
    public sealed record TradeSignal(string SubscriptionId, string SignalId, string BotId, Signal Signal, DateTimeOffset AcceptedAt, TradingParameters BotDefaults, TimeSpan TimeToLive,
        long SignalNumber, long PendingFrom, bool Redelivered) : IWithSubscriptionId;

    /// <summary>Asks for the state; answered with <see cref="CurrentSubscription"/> or <see cref="BotProtocol.Rejected"/>.</summary>
    public sealed record GetSubscription(string SubscriptionId, IActorRef ReplyTo) : IWithSubscriptionId;

    /// <summary>The subscription's state and statistics.</summary>
    public sealed record CurrentSubscription(string SubscriptionId, string OwnerId, string BotId, string AccountId, SubscriptionStatus Status, ParameterOverrides Overrides, RiskLimits Limits, SubscriptionStatistics Statistics);

    /// <summary>Done.</summary>
    public sealed record Ok(string SubscriptionId);
}

/// <summary>A subscription's lifecycle.</summary>
public enum SubscriptionStatus
{
    /// <summary>Trades its bot's signals.</summary>
    Active,

    /// <summary>Opens nothing until resumed, but still reduces: the bot's closes, and the close leg of a flip (an open
    /// position is never left behind the bot's by a pause).</summary>
    Paused,

    /// <summary>Ended for good.</summary>
    Cancelled,
}

/// <summary>Counts a subscriber sees.</summary>
public sealed record SubscriptionStatistics(int SignalsReceived, int OrdersExecuted, int Failed, int Skipped, DateTimeOffset? LastSignalAt)
{
    /// <summary>Nothing yet.</summary>
    public static SubscriptionStatistics Empty { get; } = new(0, 0, 0, 0, null);

    /// <summary>After one more outcome.</summary>
    public SubscriptionStatistics With(ExecutionStatus status, DateTimeOffset at) => status switch
    {
        ExecutionStatus.Executed => this with { SignalsReceived = SignalsReceived + 1, OrdersExecuted = OrdersExecuted + 1, LastSignalAt = at },
        ExecutionStatus.Skipped => this with { SignalsReceived = SignalsReceived + 1, Skipped = Skipped + 1, LastSignalAt = at },
        _ => this with { SignalsReceived = SignalsReceived + 1, Failed = Failed + 1, LastSignalAt = at },
    };
}
