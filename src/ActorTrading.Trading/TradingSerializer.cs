using System.Text.Json.Serialization;
using ActorTrading.Persistence;

namespace ActorTrading.Trading;

/// <summary>The stable stored names of every trading event. A rename of a class never changes these;
/// a change of shape adds a version and keeps the old one readable.</summary>
public static class TradingSerializer
{
    /// <summary>
    /// The stored names of what a subscription records of one signal on the way to its outcome (today the plan;
    /// earlier versions stored each step). The read tables and the operation log have no use for them: a
    /// projection that checks this first never deserializes them.
    /// </summary>
    public static IReadOnlySet<string> SignalSteps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "subscription.signal-planned.v1",
        "subscription.signal-received.v1",
        "subscription.orders-planned.v1",
        "subscription.order-confirmed.v1",
        "subscription.leverage-set.v1",
    };

    /// <summary>The stored name of a subscription's outcome of a signal (its read table is <c>bot_signal_executions</c>).</summary>
    public const string SignalOutcome = "subscription.signal-completed.v1";

    /// <summary>The stored names of a claim's events (a webhook path, a token hash, a bot and account pair held by its owner):
    /// bookkeeping of uniqueness, told in the operation log by the creation it belongs to.</summary>
    public static IReadOnlySet<string> Claims { get; } = new HashSet<string>(StringComparer.Ordinal) { "claim.made.v1", "claim.released.v1" };

    /// <summary>A serializer for the trading events (add the node's own types to <paramref name="builder"/> first, if any).</summary>
    public static EventSerializer Create(EventSerializer.Builder? builder = null) => Register(builder ?? EventSerializer.Create()).Build();

    /// <summary>Registers the trading events.</summary>
    public static EventSerializer.Builder Register(EventSerializer.Builder builder) => SubscriptionUpcasters.Register(builder
        .Add("bot.created", 1, TradingJsonContext.Default.BotCreated)
        .Add("bot.updated", 1, TradingJsonContext.Default.BotUpdated)
        .Add("bot.paused", 1, TradingJsonContext.Default.BotPaused)
        .Add("bot.resumed", 1, TradingJsonContext.Default.BotResumed)
        .Add("bot.secret-rotated", 1, TradingJsonContext.Default.SecretRotated)
        .Add("bot.subscriber-added", 1, TradingJsonContext.Default.SubscriberAdded)
        .Add("bot.subscriber-removed", 1, TradingJsonContext.Default.SubscriberRemoved)
        .AddLegacy("bot.signal-accepted", 1, TradingJsonContext.Default.SignalAcceptedV1, v1 => v1.Upcast())
        .Add("bot.signal-accepted", 2, TradingJsonContext.Default.SignalAccepted)
        .Add("bot.fan-out-completed", 1, TradingJsonContext.Default.FanOutCompleted)
        .Add("bot.fan-out-timed-out", 1, TradingJsonContext.Default.FanOutTimedOut)
        .Add("subscription.created", 1, TradingJsonContext.Default.SubscriptionCreated)
        .Add("subscription.updated", 1, TradingJsonContext.Default.SubscriptionUpdated)
        .Add("subscription.paused", 1, TradingJsonContext.Default.SubscriptionPaused)
        .Add("subscription.resumed", 1, TradingJsonContext.Default.SubscriptionResumed)
        .Add("subscription.cancelled", 1, TradingJsonContext.Default.SubscriptionCancelled)
        .Add("subscription.leverage-set", 1, TradingJsonContext.Default.LeverageSet)
        .Add("subscription.signal-completed", 1, TradingJsonContext.Default.SignalCompleted)
        .Add("account.registered", 1, TradingJsonContext.Default.AccountRegistered)
        .Add("account.credentials-changed", 1, TradingJsonContext.Default.AccountCredentialsChanged)
        .Add("account.deleted", 1, TradingJsonContext.Default.AccountDeleted)
        .Add("user.created", 1, TradingJsonContext.Default.UserCreated)
        .Add("claim.made", 1, TradingJsonContext.Default.ClaimMade)
        .Add("claim.released", 1, TradingJsonContext.Default.ClaimReleased));
}

/// <summary>Source-generated JSON for the trading events: snake_case names, enums as strings.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BotEvents.BotCreated))]
[JsonSerializable(typeof(BotEvents.BotUpdated))]
[JsonSerializable(typeof(BotEvents.BotPaused))]
[JsonSerializable(typeof(BotEvents.BotResumed))]
[JsonSerializable(typeof(BotEvents.SecretRotated))]
[JsonSerializable(typeof(BotEvents.SubscriberAdded))]
[JsonSerializable(typeof(BotEvents.SubscriberRemoved))]
[JsonSerializable(typeof(BotEvents.SignalAccepted))]
[JsonSerializable(typeof(BotEvents.SignalAcceptedV1))]
[JsonSerializable(typeof(BotEvents.FanOutCompleted))]
[JsonSerializable(typeof(BotEvents.FanOutTimedOut))]
[JsonSerializable(typeof(SubscriptionEvents.SubscriptionCreated))]
[JsonSerializable(typeof(SubscriptionEvents.SubscriptionUpdated))]
[JsonSerializable(typeof(SubscriptionEvents.SubscriptionPaused))]
[JsonSerializable(typeof(SubscriptionEvents.SubscriptionResumed))]
[JsonSerializable(typeof(SubscriptionEvents.SubscriptionCancelled))]
[JsonSerializable(typeof(SubscriptionEvents.SignalReceived))]
[JsonSerializable(typeof(SubscriptionEvents.OrdersPlanned))]
[JsonSerializable(typeof(SubscriptionEvents.OrderConfirmed))]
[JsonSerializable(typeof(SubscriptionEvents.LeverageSet))]
[JsonSerializable(typeof(SubscriptionEvents.SignalPlanned))]
[JsonSerializable(typeof(SubscriptionEvents.SignalCompleted))]
[JsonSerializable(typeof(AccountEvents.AccountRegistered))]
[JsonSerializable(typeof(AccountEvents.AccountCredentialsChanged))]
[JsonSerializable(typeof(AccountEvents.AccountDeleted))]
[JsonSerializable(typeof(UserEvents.UserCreated))]
[JsonSerializable(typeof(ClaimEvents.ClaimMade))]
[JsonSerializable(typeof(ClaimEvents.ClaimReleased))]
internal sealed partial class TradingJsonContext : JsonSerializerContext;
