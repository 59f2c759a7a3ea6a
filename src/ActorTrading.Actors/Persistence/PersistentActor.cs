using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors.Persistence;

/// <summary>
/// An actor whose state is the fold of its stored events. Commands go to <see cref="ReceiveCommand"/>,
/// which persists events; each event's handler runs once the event is durable, and recovery replays the
/// same events through <see cref="ReceiveRecover"/> (so live processing and recovery share one Apply).
/// </summary>
/// <remarks>
/// <code>
///   RecoveringSnapshot ──► Replaying ──RecoveryCompleted──► ProcessingCommands ◄──────────┐
///        │ any error            │ any error                      │ Persist / PersistAll   │ handlers ran
///        └───────────┬──────────┘                                ▼                        │
///                    ▼                                   PersistingEvents (commands stashed)
///                 Stopped ◄──────────── write failed or rejected ─┘
/// </code>
/// Commands that arrive while recovering or while a <c>Persist</c> is in flight are stashed and
/// processed afterwards, in order. Events persisted in one turn are written as one atomic write.
/// Only one write per entity is in flight at a time; events persisted meanwhile (PersistAsync, or
/// handlers that persist) form the next write, so a busy entity batches naturally.
/// </remarks>
public abstract class PersistentActor : ActorBase
{
    private static readonly IReadOnlySet<string> EmptyTags = new HashSet<string>();
    private readonly Queue<PendingInvocation> _pendingInvocations = new();
    private readonly List<Persistent> _batch = [];
    private ActorStash? _internalStash;
    private Phase _phase = Phase.RecoveringSnapshot;
    private readonly string _incarnation = Guid.NewGuid().ToString("N");
    private long _assignedSequenceNr;
    private int _pendingStashingPersists;
    private bool _writeInFlight;
    private ShardWriterLease? _shardLease;
    private bool _shardLeaseLooked;

    private enum Phase
    {
        RecoveringSnapshot,
        Replaying,
        ProcessingCommands,
        Stopping,
    }

    /// <summary>The entity's stable id in the journal.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>The sequence number of the last event applied (recovered or persisted).</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Whether recovery is still running.</summary>
    public bool IsRecovering => _phase is Phase.RecoveringSnapshot or Phase.Replaying;

    /// <summary>How to recover; override to skip snapshots or stop early.</summary>
    protected virtual Recovery Recovery => Recovery.Default;

    /// <summary>The journal; the system's by default.</summary>
    protected virtual IJournal Journal => Persistence.Get(Context.System).Journal;

    /// <summary>The snapshot store; the system's by default.</summary>
    protected virtual ISnapshotStore SnapshotStore => Persistence.Get(Context.System).SnapshotStore;

    // Commands held back while recovering or persisting arrived after anything the actor stashed itself:
    // when both come back in the same turn, the actor's own stash goes first (Akka's order too).
    private ActorStash InternalStash => _internalStash ??= new ActorStash(Cell, behindEarlierUnstashed: true);

    /// <summary>Rebuilds state: a <see cref="SnapshotOffer"/>, then each event, then <see cref="RecoveryCompleted"/>.</summary>
    protected abstract bool ReceiveRecover(object message);

    /// <summary>Handles a command once recovery is done.</summary>
    protected abstract bool ReceiveCommand(object message);

    /// <summary>Persists <paramref name="event"/>; <paramref name="handler"/> runs when it is durable, before
    /// any other command is processed.</summary>
    protected void Persist<TEvent>(TEvent @event, Action<TEvent> handler)
        where TEvent : notnull => Enqueue(@event, handler, stashing: true);

    /// <summary>Persists events atomically; the handler runs for each, in order, before any other command.</summary>
    protected void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler)
        where TEvent : notnull
    {
        foreach (var @event in events)
        {
            Enqueue(@event, handler, stashing: true);
        }
    }

    /// <summary>Persists without holding later commands back; the handler runs when the event is durable.</summary>
    protected void PersistAsync<TEvent>(TEvent @event, Action<TEvent> handler)
        where TEvent : notnull => Enqueue(@event, handler, stashing: false);

    /// <summary>Saves a snapshot of the state as of <see cref="LastSequenceNr"/>; the outcome arrives as
    /// <see cref="SaveSnapshotSuccess"/> or <see cref="SaveSnapshotFailure"/>.</summary>
    protected void SaveSnapshot(object snapshot)
    {
        var metadata = new SnapshotMetadata(PersistenceId, LastSequenceNr, Context.System.TimeProvider.GetUtcNow());
        var self = Self;
        SnapshotStore.SaveAsync(metadata, snapshot).ContinueWith(
            task => self.Tell(task.IsCompletedSuccessfully ? new SaveSnapshotSuccess(metadata) : new SaveSnapshotFailure(metadata, Cause(task)), self),
            TaskScheduler.Default);
    }

    /// <summary>Deletes events up to <paramref name="toSequenceNr"/>; the outcome arrives as a message.</summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        var self = Self;
        Journal.DeleteMessagesToAsync(PersistenceId, toSequenceNr).ContinueWith(
            task => self.Tell(task.IsCompletedSuccessfully ? new DeleteMessagesSuccess(toSequenceNr) : new DeleteMessagesFailure(toSequenceNr, Cause(task)), self),
            TaskScheduler.Default);
    }

    /// <summary>Called when recovery fails (a store error or a recovery handler that threw); the actor stops afterwards.</summary>
    protected virtual void OnRecoveryFailure(Exception cause, object? @event) =>
        PersistenceLog.RecoveryFailed(Log, PersistenceId, @event?.GetType().Name ?? "(none)", cause);

    /// <summary>Called when a write failed (outcome unknown or refused by the store); the actor stops afterwards,
    /// and its supervisor decides (entities back off, then recover from what is really stored).</summary>
    protected virtual void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        PersistenceLog.PersistFailed(Log, PersistenceId, @event.GetType().Name, sequenceNr, cause);

    /// <summary>Called when a write was rejected (for example an event that cannot be serialized); the actor stops
    /// afterwards so that its sequence numbers stay gap-free.</summary>
    protected virtual void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        PersistenceLog.PersistRejected(Log, PersistenceId, @event.GetType().Name, sequenceNr, cause);

    /// <inheritdoc/>
    protected internal sealed override bool Receive(object message)
    {
        switch (message)
        {
            case PersistenceProtocol.Internal { } @internal:
                if (@internal.Incarnation == _incarnation)
                {
                    HandleInternal(@internal);
                }

                return true;
            default:
                if (_phase != Phase.ProcessingCommands || _pendingStashingPersists > 0)
                {
                    InternalStash.Stash();
                    return true;
                }

                var handled = ReceiveCommand(message);
                FlushBatch();
                return handled;
        }
    }

    internal override void AroundPreStart()
    {
        base.AroundPreStart();
        StartRecovery();
    }

    internal override void AroundPostRestart(Exception reason)
    {
        base.AroundPostRestart(reason);
        StartRecovery();
    }

    internal override void AroundPreRestart(Exception reason, object? message)
    {
        _internalStash?.UnstashAll();
        base.AroundPreRestart(reason, message);
    }

    internal override void AroundPostStop()
    {
        _internalStash?.DeadLetterAll();
        base.AroundPostStop();
    }

    private void Enqueue<TEvent>(TEvent @event, Action<TEvent> handler, bool stashing)
        where TEvent : notnull
    {
        if (IsRecovering)
        {
            throw new InvalidOperationException($"{PersistenceId}: cannot persist while recovering");
        }

        var (payload, tags) = @event is Tagged tagged ? (tagged.Payload, tagged.Tags) : ((object)@event, EmptyTags);
        var persistent = new Persistent(payload, PersistenceId, ++_assignedSequenceNr, _incarnation, Context.System.TimeProvider.GetUtcNow(), tags);
        _batch.Add(persistent);
        _pendingInvocations.Enqueue(new PendingInvocation(@event, e => handler((TEvent)e), Sender, persistent.SequenceNr, stashing));
        if (stashing)
        {
            _pendingStashingPersists++;
        }
    }

    private void FlushBatch()
    {
        if (_batch.Count == 0 || _writeInFlight || _phase == Phase.Stopping)
        {
            return;
        }

        var write = new AtomicWrite([.. _batch]);
        _batch.Clear();
        _writeInFlight = true;
        var self = Self;
        var incarnation = _incarnation;
        Task<IReadOnlyList<Exception?>> writing;
        try
        {
            var lease = ShardLease()?.Current;
            writing = lease is null ? Journal.WriteMessagesAsync([write])
                : lease.IsCompletedSuccessfully ? Journal.WriteMessagesAsync([write with { Lease = lease.Result }])
                : WriteWhenLeasedAsync(Journal, write, lease);
        }
        catch (Exception exception)
        {
            writing = Task.FromException<IReadOnlyList<Exception?>>(exception);
        }

        writing.ContinueWith(
            task => self.Tell(new PersistenceProtocol.WriteCompleted(incarnation, write.Events.Count, task.IsCompletedSuccessfully ? task.Result[0] : Cause(task)), self),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static async Task<IReadOnlyList<Exception?>> WriteWhenLeasedAsync(IJournal journal, AtomicWrite write, Task<WriterLease> lease) =>
        await journal.WriteMessagesAsync([write with { Lease = await lease }]);

    // The shard this entity lives in is its parent, or its parent's parent under a backoff supervisor; actors under no
    // shard write with no lease.
    private ShardWriterLease? ShardLease()
    {
        if (!_shardLeaseLooked)
        {
            _shardLeaseLooked = true;
            IInternalActorRef? parent = Cell.Parent;
            for (var depth = 0; depth < 4 && parent is LocalActorRef local; depth++, parent = local.Cell.Parent)
            {
                if (local.Cell.Actor is Sharding.Shard shard)
                {
                    _shardLease = shard.WriterLease;
                    break;
                }
            }
        }

        return _shardLease;
    }

    private void HandleInternal(PersistenceProtocol.Internal message)
    {
        switch (message)
        {
            case PersistenceProtocol.WriteCompleted completed:
                WriteCompleted(completed);
                break;
            case PersistenceProtocol.SnapshotLoaded loaded:
                SnapshotLoaded(loaded.Snapshot);
                break;
            case PersistenceProtocol.Replayed replayed:
                Replay(replayed.Event);
                break;
            case PersistenceProtocol.ReplayFinished finished:
                RecoveryFinished(finished.HighestSequenceNr);
                break;
            case PersistenceProtocol.RecoveryFailed failed:
                FailRecovery(failed.Cause, null);
                break;
        }
    }

    private void StartRecovery()
    {
        _phase = Phase.RecoveringSnapshot;
        var self = Self;
        var incarnation = _incarnation;
        var id = PersistenceId;
        var recovery = Recovery;
        Task<SelectedSnapshot?> loading;
        try
        {
            loading = SnapshotStore.LoadAsync(id, recovery.FromSnapshot);
        }
        catch (Exception exception)
        {
            loading = Task.FromException<SelectedSnapshot?>(exception);
        }

        loading.ContinueWith(
            task => self.Tell(
                task.IsCompletedSuccessfully
                    ? new PersistenceProtocol.SnapshotLoaded(incarnation, task.Result)
                    : new PersistenceProtocol.RecoveryFailed(incarnation, Cause(task)),
                self),
            TaskScheduler.Default);
    }

    private void SnapshotLoaded(SelectedSnapshot? snapshot)
    {
        if (snapshot is not null)
        {
            LastSequenceNr = snapshot.Metadata.SequenceNr;
            if (!TryRecover(new SnapshotOffer(snapshot.Metadata, snapshot.Snapshot)))
            {
                return;
            }
        }

        _phase = Phase.Replaying;
        var self = Self;
        var incarnation = _incarnation;
        var id = PersistenceId;
        var journal = Journal;
        var recovery = Recovery;
        var from = LastSequenceNr + 1;
        Task.Run(async () =>
        {
            try
            {
                await journal.ReplayMessagesAsync(id, from, recovery.ToSequenceNr, recovery.ReplayMax,
                    e => self.Tell(new PersistenceProtocol.Replayed(incarnation, e), self));
                var highest = await journal.ReadHighestSequenceNrAsync(id);
                self.Tell(new PersistenceProtocol.ReplayFinished(incarnation, highest), self);
            }
            catch (Exception exception)
            {
                self.Tell(new PersistenceProtocol.RecoveryFailed(incarnation, exception), self);
            }
        });
    }

    private void Replay(Persistent @event)
    {
        if (_phase != Phase.Replaying)
        {
            return;
        }

        LastSequenceNr = @event.SequenceNr;
        TryRecover(@event.Payload);
    }

    private void RecoveryFinished(long highestSequenceNr)
    {
        if (_phase != Phase.Replaying)
        {
            return;
        }

        LastSequenceNr = Math.Max(LastSequenceNr, Math.Min(highestSequenceNr, Recovery.ToSequenceNr));
        _assignedSequenceNr = Math.Max(LastSequenceNr, highestSequenceNr);
        _phase = Phase.ProcessingCommands;
        if (TryRecover(RecoveryCompleted.Instance))
        {
            // The RecoveryCompleted handler may persist (an entity finishing what it had in flight): send that write,
            // or the commands stashed behind it would wait forever.
            FlushBatch();
            _internalStash?.UnstashAll();
        }
    }

    private bool TryRecover(object message)
    {
        try
        {
            ReceiveRecover(message);
            return true;
        }
        catch (Exception exception)
        {
            FailRecovery(exception, message);
            return false;
        }
    }

    private void FailRecovery(Exception cause, object? @event)
    {
        if (_phase == Phase.Stopping)
        {
            return;
        }

        _phase = Phase.Stopping;
        OnRecoveryFailure(cause, @event);
        Context.Stop(Self);
    }

    private void WriteCompleted(PersistenceProtocol.WriteCompleted completed)
    {
        _writeInFlight = false;
        if (completed.Error is { } error)
        {
            _phase = Phase.Stopping;
            var first = _pendingInvocations.Peek();
            if (error is JournalWriteRejectedException)
            {
                OnPersistRejected(error, first.Event, first.SequenceNr);
            }
            else
            {
                if (error is JournalFencedException)
                {
                    // A zombie write: another node owns the shard now, so the whole shard stops here, not just this entity.
                    _shardLease?.Fenced();
                }

                OnPersistFailure(error, first.Event, first.SequenceNr);
            }

            FailWaitingAsks(error);
            _pendingInvocations.Clear();
            _batch.Clear();
            Context.Stop(Self);
            return;
        }

        for (var i = 0; i < completed.Count; i++)
        {
            var invocation = _pendingInvocations.Dequeue();
            LastSequenceNr = invocation.SequenceNr;
            if (invocation.Stashing)
            {
                _pendingStashingPersists--;
            }

            Cell.WithSender(invocation.Sender, invocation.Event, invocation.Handler);
        }

        FlushBatch();
        if (_pendingStashingPersists == 0)
        {
            _internalStash?.UnstashAll();
        }
    }

    // Whoever asked for what was being persisted learns why it failed at once (a typed journal exception it can answer
    // from, e.g. "try again later"), instead of waiting for its ask to time out on an entity that has stopped.
    private void FailWaitingAsks(Exception error)
    {
        PromiseActorRef? last = null;
        foreach (var invocation in _pendingInvocations)
        {
            if (invocation.Sender is PromiseActorRef promise && !ReferenceEquals(promise, last) && !promise.IsTerminated)
            {
                promise.Tell(new Status.Failure(error), Self);
                last = promise;
            }
        }
    }

    private static Exception Cause(Task task) =>
        task.Exception?.InnerException ?? new TaskCanceledException(task);

    private sealed record PendingInvocation(object Event, Action<object> Handler, IActorRef Sender, long SequenceNr, bool Stashing);
}

/// <summary>Messages between a persistent actor and its stores' completions; each carries the
/// incarnation so that an answer meant for a previous instance is ignored.</summary>
internal static class PersistenceProtocol
{
    internal abstract record Internal(string Incarnation);

    internal sealed record WriteCompleted(string Incarnation, int Count, Exception? Error) : Internal(Incarnation);

    internal sealed record SnapshotLoaded(string Incarnation, SelectedSnapshot? Snapshot) : Internal(Incarnation);

    internal sealed record Replayed(string Incarnation, Persistent Event) : Internal(Incarnation);

    internal sealed record ReplayFinished(string Incarnation, long HighestSequenceNr) : Internal(Incarnation);

    internal sealed record RecoveryFailed(string Incarnation, Exception Cause) : Internal(Incarnation);
}

internal static partial class PersistenceLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Recovery of {PersistenceId} failed at {EventType}; the entity stops")]
    public static partial void RecoveryFailed(ILogger logger, string persistenceId, string eventType, Exception cause);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Persisting {EventType} #{SequenceNr} of {PersistenceId} failed; the entity stops")]
    public static partial void PersistFailed(ILogger logger, string persistenceId, string eventType, long sequenceNr, Exception cause);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Persisting {EventType} #{SequenceNr} of {PersistenceId} was rejected; the entity stops")]
    public static partial void PersistRejected(ILogger logger, string persistenceId, string eventType, long sequenceNr, Exception cause);
}
