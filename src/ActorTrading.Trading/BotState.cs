using System.Collections.Immutable;
using ActorTrading.Domain;
using static ActorTrading.Trading.BotEvents;

namespace ActorTrading.Trading;

/// <summary>A signal whose fan-out is not complete, its number among the bot's signals, and the subscribers it goes to (the
/// bot's set when it was accepted; once <see cref="TimedOut"/>, only those that had not answered by then).</summary>
public sealed record PendingFanOut(SignalAccepted Accepted, long Number, ImmutableSortedSet<string> Subscribers, bool TimedOut = false);

/// <summary>The first signal an alert id brought, when, and how many subscribers it went to.</summary>
public sealed record AlertSeen(string SignalId, DateTimeOffset At, int Subscribers);

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
    ImmutableDictionary<string, AlertSeen> SignalIdByAlertId,
    int SignalsReceived)
{
    /// <summary>How long an alert id is remembered: a second delivery within it is the same signal (webhook retries come
    /// within seconds); after it, the id may name a new alert (scripts that reuse fixed ids).</summary>
    public static readonly TimeSpan AlertIdRetention = TimeSpan.FromHours(24);

    /// <summary>The number of the oldest signal still waiting for receipts, or the next number when none is. A signal that timed
    /// out does not count: only its silent subscribers wait for it (see <see cref="PendingFromFor"/>), not everyone.</summary>
    public long PendingFrom => PendingFanOuts.Values.Where(p => !p.TimedOut).Select(p => p.Number).DefaultIfEmpty(SignalsReceived + 1).Min();

    /// <summary><see cref="PendingFrom"/> for one subscription: earlier when it still owes a signal that timed out.</summary>
    public long PendingFromFor(string subscriptionId, long pendingFrom)
    {
        foreach (var pending in PendingFanOuts.Values)
        {
            if (pending.TimedOut && pending.Number < pendingFrom && pending.Subscribers.Contains(subscriptionId))
            {
                pendingFrom = pending.Number;
            }
        }

        return pendingFrom;
    }

    /// <summary>Before creation.</summary>
    public static BotState Empty { get; } = new(null, "", null, TimeSpan.Zero, null, false,
        ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal),
        ImmutableDictionary<string, PendingFanOut>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, AlertSeen>.Empty.WithComparers(StringComparer.Ordinal), 0);

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
            PendingFanOuts = PendingFanOuts.SetItem(accepted.SignalId, new PendingFanOut(accepted, SignalsReceived + 1, Subscribers)),
            SignalIdByAlertId = accepted.Signal.AlertId is { } alertId ? Remember(alertId, accepted) : SignalIdByAlertId,
            SignalsReceived = SignalsReceived + 1,
        },
        FanOutCompleted completed => this with { PendingFanOuts = PendingFanOuts.Remove(completed.SignalId) },
        FanOutTimedOut timedOut when PendingFanOuts.TryGetValue(timedOut.SignalId, out var pending) => this with
        {
            PendingFanOuts = PendingFanOuts.SetItem(timedOut.SignalId,
                pending with { Subscribers = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, timedOut.Unanswered), TimedOut = true }),
        },
        _ => this,
    };

    private ImmutableDictionary<string, AlertSeen> Remember(string alertId, SignalAccepted accepted)
    {
        var alerts = SignalIdByAlertId;

        // Swept once every 64 new ids, by the events' own times: the fold stays pure and the cost per signal small.
        if (alerts.Count % 64 == 63)
        {
            var horizon = accepted.AcceptedAt - AlertIdRetention;
            alerts = alerts.RemoveRange([.. alerts.Where(a => a.Value.At < horizon).Select(a => a.Key)]);
        }

        return alerts.SetItem(alertId, new AlertSeen(accepted.SignalId, accepted.AcceptedAt, accepted.SubscriberCount));
    }
}
