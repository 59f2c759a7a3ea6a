using ActorTrading.Domain;

namespace ActorTrading.Trading;

/// <summary>What a bot entity stores (stable names in <c>TradingSerializer</c>).</summary>
public static class BotEvents
{
    /// <summary>A bot was defined. The webhook secret is stored only as its SHA-256 (hex).</summary>
    public sealed record BotCreated(string BotId, string Name, string Description, string MarketType, string WebhookPath, string SecretSha256, TradingParameters Defaults, TimeSpan SignalTimeToLive, DateTimeOffset At);

    /// <summary>Defaults, description or time-to-live changed.</summary>
    public sealed record BotUpdated(string Description, TradingParameters Defaults, TimeSpan SignalTimeToLive, DateTimeOffset At);

    /// <summary>The bot stops accepting signals.</summary>
    public sealed record BotPaused(DateTimeOffset At);

    /// <summary>The bot accepts signals again.</summary>
    public sealed record BotResumed(DateTimeOffset At);

    /// <summary>A new webhook secret (hash only).</summary>
    public sealed record SecretRotated(string SecretSha256, DateTimeOffset At);

    /// <summary>A subscription started receiving this bot's signals.</summary>
    public sealed record SubscriberAdded(string SubscriptionId, DateTimeOffset At);

    /// <summary>A subscription no longer receives this bot's signals.</summary>
    public sealed record SubscriberRemoved(string SubscriptionId, DateTimeOffset At);

    /// <summary>
    /// A signal is durable and will reach every subscriber the bot has at this point of its journal (invariant I1).
    /// The set is not copied into the event: replaying the bot's events up to here rebuilds it exactly, and a copy
    /// would cost ~27 bytes per subscriber on every signal.
    /// </summary>
    public sealed record SignalAccepted(string SignalId, Signal Signal, DateTimeOffset AcceptedAt, int SubscriberCount);

    /// <summary>Version 1 of <see cref="SignalAccepted"/>, which listed the subscribers; read as version 2 (the list was the
    /// bot's subscriber set at that point, which replay rebuilds).</summary>
    public sealed record SignalAcceptedV1(string SignalId, Signal Signal, DateTimeOffset AcceptedAt, IReadOnlyList<string> Subscribers)
    {
        /// <summary>The same event in today's shape.</summary>
        public SignalAccepted Upcast() => new(SignalId, Signal, AcceptedAt, Subscribers.Count);
    }

    /// <summary>Every listed subscriber has recorded its outcome for the signal.</summary>
    public sealed record FanOutCompleted(string SignalId, DateTimeOffset At);

    /// <summary>
    /// These subscribers had not answered <paramref name="WaitedMs"/> after the bot accepted the signal (the receipt timeout).
    /// The bot still tells them the signal, but no longer holds the others' memory of it for them; the read tables record
    /// them as unanswered. What they did is not known: one may have placed orders before it failed. When one of them
    /// records its outcome, that outcome stands (and the last one completes the fan-out).
    /// </summary>
    public sealed record FanOutTimedOut(string SignalId, IReadOnlyList<string> Unanswered, long WaitedMs, DateTimeOffset At);
}
