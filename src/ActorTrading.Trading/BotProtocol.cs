using ActorTrading.Actors;
using ActorTrading.Domain;

namespace ActorTrading.Trading;

/// <summary>Messages for a bot entity carry its id; the bot region's extractor reads it.</summary>
public interface IWithBotId
{
    /// <summary>The bot.</summary>
    string BotId { get; }
}

/// <summary>The bot entity's protocol.</summary>
public static class BotProtocol
{
    /// <summary>Defines a bot. The API generates the secret, shows it once, and sends only its hash.</summary>
    public sealed record CreateBot(string BotId, string Name, string Description, string WebhookPath, string SecretSha256, TradingParameters Defaults, TimeSpan SignalTimeToLive, IActorRef ReplyTo) : IWithBotId;

    /// <summary>Changes description, defaults or time-to-live (null keeps the current value).</summary>
    public sealed record UpdateBot(string BotId, string? Description, TradingParameters? Defaults, TimeSpan? SignalTimeToLive, IActorRef ReplyTo) : IWithBotId;

    /// <summary>Stops accepting signals.</summary>
    public sealed record PauseBot(string BotId, IActorRef ReplyTo) : IWithBotId;

    /// <summary>Accepts signals again.</summary>
    public sealed record ResumeBot(string BotId, IActorRef ReplyTo) : IWithBotId;

    /// <summary>Replaces the webhook secret (hash only).</summary>
    public sealed record RotateSecret(string BotId, string SecretSha256, IActorRef ReplyTo) : IWithBotId;

    /// <summary>A subscription to fan signals out to.</summary>
    public sealed record AddSubscriber(string BotId, string SubscriptionId, IActorRef ReplyTo) : IWithBotId;

    /// <summary>A subscription no longer to fan out to.</summary>
    public sealed record RemoveSubscriber(string BotId, string SubscriptionId, IActorRef ReplyTo) : IWithBotId;

    /// <summary>A signal from the webhook, with the secret as sent.</summary>
    public sealed record AcceptSignal(string BotId, string Secret, Signal Signal, IActorRef ReplyTo) : IWithBotId;

    /// <summary>A subscription's receipt: it has recorded its one outcome for the signal.</summary>
    public sealed record SignalOutcomeRecorded(string BotId, string SignalId, string SubscriptionId, ExecutionStatus Status, string? Reason) : IWithBotId;

    /// <summary>Asks for the bot's state; answered with <see cref="CurrentBot"/> or <see cref="Rejected"/>.</summary>
    public sealed record GetBot(string BotId, IActorRef ReplyTo) : IWithBotId;

    /// <summary>Starts the bot if it is not running, so that its recovery tells again every signal still waiting for
    /// receipts (a node restarted in the middle of a fan-out); the bot sends it to itself through its region while it waits
    /// for receipts, so that it is not passivated meanwhile. No answer.</summary>
    public sealed record Wake(string BotId) : IWithBotId;

    /// <summary>The bot's state (never the secret). Its subscribers as a count: the answer crosses nodes (every subscription the
    /// API creates asks it first), and the list made creating N subscriptions move O(N²) bytes between nodes.</summary>
    public sealed record CurrentBot(string BotId, string Name, string Description, string WebhookPath, TradingParameters Defaults, TimeSpan SignalTimeToLive, bool Active, int Subscribers, int SignalsReceived);

    /// <summary>The signal is durable; <see cref="Duplicate"/> when its alert id was seen before (then nothing new is traded).</summary>
    public sealed record SignalAcceptedReply(string SignalId, string BotName, int Subscribers, DateTimeOffset AcceptedAt, bool Duplicate);

    /// <summary>Done.</summary>
    public sealed record Ok(string BotId);

    /// <summary>Not done, with the reason and its kind.</summary>
    public sealed record Rejected(RejectionKind Kind, string Reason);
}

/// <summary>Why a command was not done, as an HTTP API maps it.</summary>
public enum RejectionKind
{
    /// <summary>The entity does not exist (404).</summary>
    NotFound,

    /// <summary>The credentials are wrong (401).</summary>
    Unauthorized,

    /// <summary>The entity's state does not allow it (409).</summary>
    Conflict,

    /// <summary>The input is invalid (400).</summary>
    Invalid,
}
