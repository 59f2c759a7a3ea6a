using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Domain;
using Microsoft.Extensions.Logging;
using static ActorTrading.Trading.BotEvents;
using static ActorTrading.Trading.BotProtocol;

namespace ActorTrading.Trading;

/// <summary>
/// A bot: its definition, its subscribers and the fan-out of its signals. A signal is answered only once
/// it is durable, with the list of subscribers it will reach; each of them is told, and the bot keeps the
/// signal pending until every one has sent its receipt. After a crash, pending signals are told again
/// (subscriptions answer a signal they already finished from their state, so nothing is traded twice).
/// A subscription that has not answered within the receipt timeout is recorded as such (<see cref="FanOutTimedOut"/>) and
/// still told, but no longer holds up the others: every subscriber keeps the outcomes of the signals still pending, and
/// one silent subscription would otherwise make all of them keep every outcome from then on.
/// </summary>
/// <remarks>
/// <code>
///   (none) ──CreateBot──► Active ◄──Resume── Paused
///                            │ AcceptSignal: SignalAccepted → tell every subscriber → receipts → FanOutCompleted
///                            │   (told again every resend interval; receipts missing after the timeout → FanOutTimedOut,
///                            │    still told; the last receipt → FanOutCompleted)
/// </code>
/// </remarks>
public sealed partial class BotEntity : ReceivePersistentActor
{
    private readonly IActorRef _subscriptions;
    private readonly IActorRef _bots;
    private readonly TimeSpan _resendInterval;
    private readonly TimeSpan _receiptTimeout;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, HashSet<string>> _awaitingReceipts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _resends = new(StringComparer.Ordinal);

    // Per signal being fanned out, the outcomes this incarnation received, by status: only for the log line at the end.
    private readonly Dictionary<string, int[]> _outcomes = new(StringComparer.Ordinal);
    private BotState _state = BotState.Empty;

    /// <summary>Creates the entity.</summary>
    public BotEntity(string botId, IActorRef subscriptionRegion, IActorRef botRegion, TimeSpan resendInterval, TimeSpan receiptTimeout)
    {
        BotId = botId;
        PersistenceId = "bot-" + botId;
        _subscriptions = subscriptionRegion;
        _bots = botRegion;
        _resendInterval = resendInterval;
        _receiptTimeout = receiptTimeout;
        _time = Context.System.TimeProvider;

        Recover<RecoveryCompleted>(_ => ResendPending());
        Recover<object>(e => _state = _state.Apply(e));

        Command<CreateBot>(Create);
        Command<UpdateBot>(c => WhenExists(c.ReplyTo, () => Persist(
            new BotUpdated(c.Description ?? _state.Description, c.Defaults ?? _state.Defaults!, c.SignalTimeToLive ?? _state.SignalTimeToLive, _time.GetUtcNow()), ApplyAndReply(c.ReplyTo))));
        Command<PauseBot>(c => WhenExists(c.ReplyTo, () => Persist(new BotPaused(_time.GetUtcNow()), ApplyAndReply(c.ReplyTo))));
        Command<ResumeBot>(c => WhenExists(c.ReplyTo, () => Persist(new BotResumed(_time.GetUtcNow()), ApplyAndReply(c.ReplyTo))));
        Command<RotateSecret>(c => WhenExists(c.ReplyTo, () => Persist(new SecretRotated(c.SecretSha256, _time.GetUtcNow()), ApplyAndReply(c.ReplyTo))));
        Command<AddSubscriber>(c => WhenExists(c.ReplyTo, () =>
        {
            if (_state.Subscribers.Contains(c.SubscriptionId))
            {
                c.ReplyTo.Tell(new Ok(BotId), Self);
                return;
            }

            Persist(new SubscriberAdded(c.SubscriptionId, _time.GetUtcNow()), ApplyAndReply(c.ReplyTo));
        }));
        Command<RemoveSubscriber>(c => WhenExists(c.ReplyTo, () =>
        {
            if (!_state.Subscribers.Contains(c.SubscriptionId))
            {
                c.ReplyTo.Tell(new Ok(BotId), Self);
                return;
            }

            Persist(new SubscriberRemoved(c.SubscriptionId, _time.GetUtcNow()), ApplyAndReply(c.ReplyTo));
        }));
        Command<AcceptSignal>(Accept);
        Command<SignalOutcomeRecorded>(Receipt);
        Command<GetBot>(c => c.ReplyTo.Tell(Current(), Self));
        Command<Wake>(_ => { });
        Command<ResendTick>(_ => ResendAwaited());
        Command<TradingRegions.StopEntity>(_ => Context.Stop(Self));
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>The bot's id.</summary>
    public string BotId { get; }

    /// <summary>Props for the bot region.</summary>
    public static Props Props(string botId, IActorRef subscriptionRegion, IActorRef botRegion, TimeSpan resendInterval, TimeSpan receiptTimeout) =>
        Actors.Props.Create(() => new BotEntity(botId, subscriptionRegion, botRegion, resendInterval, receiptTimeout));

    /// <summary>The stored form of a webhook secret: lower-case hex SHA-256 of its UTF-8 bytes.</summary>
    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private sealed record ResendTick;

    private void Create(CreateBot command)
    {
        if (_state.Definition is not null)
        {
            command.ReplyTo.Tell(new Rejected(RejectionKind.Conflict, $"bot {BotId} already exists"), Self);
            return;
        }

        Persist(new BotCreated(BotId, command.Name, command.Description, "futures", command.WebhookPath, command.SecretSha256, command.Defaults, command.SignalTimeToLive, _time.GetUtcNow()), ApplyAndReply(command.ReplyTo));
    }

    private void WhenExists(IActorRef replyTo, Action action)
    {
        if (_state.Definition is null)
        {
            replyTo.Tell(new Rejected(RejectionKind.NotFound, $"bot {BotId} does not exist"), Self);
            return;
        }

        action();
    }

    private Action<object> ApplyAndReply(IActorRef replyTo) => @event =>
    {
        _state = _state.Apply(@event);
        replyTo.Tell(new Ok(BotId), Self);
    };

    private object Current() => _state.Definition is { } d
        ? new CurrentBot(BotId, d.Name, _state.Description, d.WebhookPath, _state.Defaults!, _state.SignalTimeToLive, _state.Active, _state.Subscribers.Count, _state.SignalsReceived)
        : new Rejected(RejectionKind.NotFound, $"bot {BotId} does not exist");

    private void Accept(AcceptSignal command)
    {
        if (_state.Definition is null)
        {
            command.ReplyTo.Tell(new Rejected(RejectionKind.NotFound, "unknown webhook"), Self);
            return;
        }

        // Invariant I6: compare in constant time, and only hashes.
        var presented = Encoding.ASCII.GetBytes(HashSecret(command.Secret));
        var expected = Encoding.ASCII.GetBytes(_state.SecretSha256!);
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            command.ReplyTo.Tell(new Rejected(RejectionKind.Unauthorized, "wrong secret"), Self);
            return;
        }

        if (!_state.Active)
        {
            command.ReplyTo.Tell(new Rejected(RejectionKind.Conflict, $"bot {_state.Definition.Name} is paused"), Self);
            return;
        }

        if (command.Signal.AlertId is { } alertId && _state.SignalIdByAlertId.TryGetValue(alertId, out var first)
            && _time.GetUtcNow() - first.At < BotState.AlertIdRetention)
        {
            // The first signal's answer again: the same id, subscribers and time, marked as a repeat (nothing more is traded).
            command.ReplyTo.Tell(new SignalAcceptedReply(first.SignalId, _state.Definition.Name, first.Subscribers, first.At, Duplicate: true), Self);
            return;
        }

        var accepted = new SignalAccepted(Guid.CreateVersion7().ToString("N"), command.Signal, _time.GetUtcNow(), _state.Subscribers.Count);
        Persist(accepted, e =>
        {
            _state = _state.Apply(e);
            command.ReplyTo.Tell(new SignalAcceptedReply(e.SignalId, _state.Definition!.Name, e.SubscriberCount, e.AcceptedAt, Duplicate: false), Self);
            BotLog.SignalAccepted(Log, BotId, e.SignalId, e.Signal.Action, e.Signal.Ticker, e.SubscriberCount);
            TradingMetrics.SignalAccepted();
            FanOut(_state.PendingFanOuts[e.SignalId], redelivered: false);
        });
    }

    private void FanOut(PendingFanOut pending, bool redelivered)
    {
        var accepted = pending.Accepted;
        if (pending.Subscribers.Count == 0)
        {
            Persist(new FanOutCompleted(accepted.SignalId, _time.GetUtcNow()), Completed);
            return;
        }

        _awaitingReceipts[accepted.SignalId] = new HashSet<string>(pending.Subscribers, StringComparer.Ordinal);
        Tell(pending, pending.Subscribers, redelivered);
        if (!Timers.IsTimerActive(typeof(ResendTick)))
        {
            Timers.StartPeriodicTimer(typeof(ResendTick), new ResendTick(), _resendInterval);
        }
    }

    private void Tell(PendingFanOut pending, IEnumerable<string> subscriptionIds, bool redelivered)
    {
        // A subscription told a signal while it owes the receipt of an earlier one is told that one again first: had it
        // crashed in the middle of it, it finishes it (asking the exchange) before it trades the newer signal, not after.
        var earlier = redelivered ? [] : Awaited().Where(p => p.Number < pending.Number).ToList();
        var pendingFrom = _state.PendingFrom;
        var anyTimedOut = _state.PendingFanOuts.Values.Any(p => p.TimedOut);
        foreach (var subscriptionId in subscriptionIds)
        {
            // Only a subscription that still owes a signal that timed out must keep its outcomes from that one on.
            var itsPendingFrom = anyTimedOut ? _state.PendingFromFor(subscriptionId, pendingFrom) : pendingFrom;

            // A loop, not a filter: this runs for every subscriber of every signal.
            foreach (var older in earlier)
            {
                if (_awaitingReceipts[older.Accepted.SignalId].Contains(subscriptionId))
                {
                    Tell(older, subscriptionId, itsPendingFrom, redelivered: true);
                }
            }

            Tell(pending, subscriptionId, itsPendingFrom, redelivered);
        }
    }

    private void Tell(PendingFanOut pending, string subscriptionId, long pendingFrom, bool redelivered)
    {
        var accepted = pending.Accepted;
        _subscriptions.Tell(new SubscriptionProtocol.TradeSignal(subscriptionId, accepted.SignalId, BotId, accepted.Signal, accepted.AcceptedAt, _state.Defaults!, _state.SignalTimeToLive,
            pending.Number, pendingFrom, redelivered), Self);
    }

    private void ResendAwaited()
    {
        if (_awaitingReceipts.Count == 0)
        {
            Timers.Cancel(typeof(ResendTick));
            return;
        }

        // At-least-once: a subscription answers a signal it already finished from its state, and ignores one it is working on.
        // Oldest first, so that a subscription finishes them in the order they were accepted.
        foreach (var pending in Awaited().ToList())
        {
            var awaiting = _awaitingReceipts[pending.Accepted.SignalId];
            var waited = _time.GetUtcNow() - pending.Accepted.AcceptedAt;
            if (waited < _resendInterval)
            {
                // Accepted since the last tick (the timer runs from the first signal pending, not from this one): its
                // subscriptions are still working on it and would only ignore it, 10,000 messages at 10,000 subscribers.
                continue;
            }

            if (!pending.TimedOut && waited >= _receiptTimeout)
            {
                TimeOut(pending, awaiting, waited);
            }

            Tell(pending, [.. awaiting], redelivered: true);

            // A subscription that does not answer (one that crashes on every message, or cannot be reached) is told again for as
            // long: the operator hears of it at the 1st, 2nd, 4th, 8th… resend, not every 10 s, and once more at the timeout.
            var times = _resends[pending.Accepted.SignalId] = _resends.GetValueOrDefault(pending.Accepted.SignalId) + 1;
            if (BitOperations.IsPow2(times))
            {
                Log.LogWarning("Bot {BotId}: signal {SignalId} still waits for {Missing} receipts {Age} after it was accepted (first: subscription {SubscriptionId}); told again, {Times} times so far",
                    BotId, pending.Accepted.SignalId, awaiting.Count, _time.GetUtcNow() - pending.Accepted.AcceptedAt, awaiting.First(), times);
            }
        }

        // Through the region, so that the shard counts the bot as active: passivated while it waits, it would stop telling
        // again (a subscription whose exchange is down for longer than the idle time would wait for the bot's next signal).
        _bots.Tell(new Wake(BotId), Self);
    }

    private void TimeOut(PendingFanOut pending, HashSet<string> awaiting, TimeSpan waited)
    {
        var signalId = pending.Accepted.SignalId;
        string[] unanswered = [.. awaiting.Order(StringComparer.Ordinal)];
        Log.LogError("Bot {BotId}: signal {SignalId} has no outcome from {Missing} subscriptions (first: {SubscriptionId}) {Waited} after it was accepted; "
            + "recorded as unanswered and still told: check their exchange accounts, they may have placed orders before they failed",
            BotId, signalId, unanswered.Length, unanswered[0], waited);
        Persist(new FanOutTimedOut(signalId, unanswered, (long)waited.TotalMilliseconds, _time.GetUtcNow()), e => _state = _state.Apply(e));
    }

    private IEnumerable<PendingFanOut> Awaited() =>
        _awaitingReceipts.Keys.Select(signalId => _state.PendingFanOuts.GetValueOrDefault(signalId)).OfType<PendingFanOut>().OrderBy(p => p.Number);

    private void Receipt(SignalOutcomeRecorded receipt)
    {
        if (!_awaitingReceipts.TryGetValue(receipt.SignalId, out var awaiting) || !awaiting.Remove(receipt.SubscriptionId))
        {
            return;
        }

        if (!_outcomes.TryGetValue(receipt.SignalId, out var outcomes))
        {
            _outcomes[receipt.SignalId] = outcomes = new int[Enum.GetValues<ExecutionStatus>().Length];
        }

        outcomes[(int)receipt.Status]++;
        TradingMetrics.OutcomeReceived(receipt.Status);
        if (awaiting.Count > 0)
        {
            return;
        }

        _awaitingReceipts.Remove(receipt.SignalId);
        _resends.Remove(receipt.SignalId);
        Persist(new FanOutCompleted(receipt.SignalId, _time.GetUtcNow()), Completed);
    }

    private void Completed(FanOutCompleted completed)
    {
        var pending = _state.PendingFanOuts.GetValueOrDefault(completed.SignalId);
        _state = _state.Apply(completed);
        _outcomes.Remove(completed.SignalId, out var outcomes);
        var counts = outcomes is null
            ? "none received by this incarnation"
            : string.Join(", ", Enum.GetValues<ExecutionStatus>().Where(s => outcomes[(int)s] > 0).Select(s => $"{outcomes[(int)s]} {s.ToString().ToLowerInvariant()}"));
        var elapsed = pending is null ? TimeSpan.Zero : completed.At - pending.Accepted.AcceptedAt;
        BotLog.FanOutCompleted(Log, BotId, completed.SignalId, pending?.Subscribers.Count ?? 0, elapsed.TotalSeconds, counts);
        TradingMetrics.FanOutCompleted(elapsed);
    }

    private static partial class BotLog
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Bot {BotId}: signal {SignalId} accepted ({Action} {Ticker}) for {Subscribers} subscriptions")]
        public static partial void SignalAccepted(ILogger logger, string botId, string signalId, SignalAction action, string ticker, int subscribers);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Bot {BotId}: signal {SignalId} fanned out to {Subscribers} subscriptions in {Seconds:0.000} s; outcomes: {Outcomes}")]
        public static partial void FanOutCompleted(ILogger logger, string botId, string signalId, int subscribers, double seconds, string outcomes);
    }

    private void ResendPending()
    {
        foreach (var pending in _state.PendingFanOuts.Values.OrderBy(p => p.Accepted.AcceptedAt))
        {
            // Told before this incarnation, maybe: each subscription asks the exchange before it trades.
            FanOut(pending, redelivered: true);
        }
    }
}
