using System.Collections.Immutable;
using ActorTrading.Domain;
using static ActorTrading.Trading.SubscriptionEvents;

namespace ActorTrading.Trading;

/// <summary>The signal a subscription has stored as in flight: its plan, and the orders earlier versions confirmed one by one.</summary>
public sealed record InFlightSignal(SignalReceived Received, OrdersPlanned? Plan, ImmutableDictionary<int, OrderConfirmed> Confirmed);

/// <summary>A subscription's state: the fold of its events (pure). <c>ProtectedBy</c>: per symbol, the signals whose stop-losses and
/// take-profits may be open on the exchange (cancelled before this subscription's next trade in that symbol opens anything).</summary>
public sealed record SubscriptionState(
    SubscriptionCreated? Definition,
    SubscriptionStatus Status,
    ParameterOverrides Overrides,
    RiskLimits Limits,
    SubscriptionStatistics Statistics,
    ImmutableDictionary<string, SignalCompleted> Completed,
    InFlightSignal? InFlight,
    ImmutableDictionary<string, IReadOnlyList<string>> ProtectedBy)
{
    /// <summary>Before creation.</summary>
    public static SubscriptionState Empty { get; } = new(null, SubscriptionStatus.Active, ParameterOverrides.None, RiskLimits.None, SubscriptionStatistics.Empty,
        ImmutableDictionary<string, SignalCompleted>.Empty.WithComparers(StringComparer.Ordinal), null,
        ImmutableDictionary<string, IReadOnlyList<string>>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>The next state.</summary>
    public SubscriptionState Apply(object @event) => @event switch
    {
        SubscriptionCreated created => this with { Definition = created, Overrides = created.Overrides, Limits = created.Limits, Status = SubscriptionStatus.Active },
        SubscriptionUpdated updated => this with { Overrides = updated.Overrides, Limits = updated.Limits },
        SubscriptionPaused => this with { Status = SubscriptionStatus.Paused },
        SubscriptionResumed => this with { Status = SubscriptionStatus.Active },
        SubscriptionCancelled => this with { Status = SubscriptionStatus.Cancelled },
        SignalPlanned planned => this with { InFlight = new InFlightSignal(planned.Received, planned.Plan, ImmutableDictionary<int, OrderConfirmed>.Empty) },
        SignalReceived received => this with { InFlight = new InFlightSignal(received, null, ImmutableDictionary<int, OrderConfirmed>.Empty) },
        OrdersPlanned planned when InFlight?.Received.SignalId == planned.SignalId => this with { InFlight = InFlight with { Plan = planned } },
        OrderConfirmed confirmed when InFlight?.Received.SignalId == confirmed.SignalId =>
            this with { InFlight = InFlight with { Confirmed = InFlight.Confirmed.SetItem(confirmed.Leg, confirmed) } },
        SignalCompleted completed => this with
        {
            Completed = Forget(Completed, completed.PendingFrom).SetItem(completed.SignalId, completed),
            Statistics = Statistics.With(completed.Status, completed.At),
            InFlight = InFlight?.Received.SignalId == completed.SignalId ? null : InFlight,
            ProtectedBy = completed.Protection switch
            {
                null => ProtectedBy,
                { SignalIds.Count: 0 } protection => ProtectedBy.Remove(protection.Symbol),
                { } protection => ProtectedBy.SetItem(protection.Symbol, protection.SignalIds),
            },
        },
        _ => this,
    };

    /// <summary>Drops the outcomes of signals the bot has all receipts for (numbered below <paramref name="pendingFrom"/>):
    /// it never sends them again. What stays is a handful: the signals still in flight somewhere.</summary>
    private static ImmutableDictionary<string, SignalCompleted> Forget(ImmutableDictionary<string, SignalCompleted> completed, long? pendingFrom)
    {
        if (pendingFrom is not { } from || completed.IsEmpty)
        {
            return completed;
        }

        List<string>? done = null;
        foreach (var (signalId, outcome) in completed)
        {
            if (outcome.SignalNumber < from)
            {
                (done ??= []).Add(signalId);
            }
        }

        return done is null ? completed : completed.RemoveRange(done);
    }
}
