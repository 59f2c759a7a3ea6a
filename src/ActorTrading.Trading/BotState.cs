using System.Collections.Immutable;
using ActorTrading.Domain;
using static ActorTrading.Trading.BotEvents;

namespace ActorTrading.Trading;

/// <summary>A signal whose fan-out is not complete, and the subscribers it goes to (the bot's set when it was accepted).</summary>
public sealed record PendingFanOut(SignalAccepted Accepted, ImmutableSortedSet<string> Subscribers);

/// <summary>A bot's state: the fold of its events (pure).</summary>
public sealed record BotState(
    BotCreated? Definition,
    string Description,
    TradingParameters? Defaults,
    TimeSpan SignalTimeToLive,
    string? SecretSha256,
    bool Active,
    ImmutableSortedSet<string> Subscribers,
    ImmutableDictionary<string, PendingFanOut> PendingFanOuts,
    ImmutableDictionary<string, string> SignalIdByAlertId,
    int SignalsReceived)
{
    /// <summary>Before creation.</summary>
    public static BotState Empty { get; } = new(null, "", null, TimeSpan.Zero, null, false,
        ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal),
        ImmutableDictionary<string, PendingFanOut>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal), 0);

    /// <summary>The next state.</summary>
    public BotState Apply(object @event) => @event switch
    {
        BotCreated created => this with
        {
            Definition = created, Description = created.Description, Defaults = created.Defaults,
            SignalTimeToLive = created.SignalTimeToLive, SecretSha256 = created.SecretSha256, Active = true,
        },
        BotUpdated updated => this with { Description = updated.Description, Defaults = updated.Defaults, SignalTimeToLive = updated.SignalTimeToLive },
        BotPaused => this with { Active = false },
        BotResumed => this with { Active = true },
        SecretRotated rotated => this with { SecretSha256 = rotated.SecretSha256 },
        SubscriberAdded added => this with { Subscribers = Subscribers.Add(added.SubscriptionId) },
        SubscriberRemoved removed => this with { Subscribers = Subscribers.Remove(removed.SubscriptionId) },
        SignalAccepted accepted => this with
        {
            PendingFanOuts = PendingFanOuts.SetItem(accepted.SignalId, new PendingFanOut(accepted, Subscribers)),
            SignalIdByAlertId = accepted.Signal.AlertId is { } alertId ? SignalIdByAlertId.SetItem(alertId, accepted.SignalId) : SignalIdByAlertId,
            SignalsReceived = SignalsReceived + 1,
        },
        FanOutCompleted completed => this with { PendingFanOuts = PendingFanOuts.Remove(completed.SignalId) },
        _ => this,
    };
}
