namespace ActorTrading.Actors.Persistence;

/// <summary>The last message of recovery, given to the recovery handler once the state is rebuilt.</summary>
public sealed record RecoveryCompleted
{
    /// <summary>The one instance.</summary>
    public static readonly RecoveryCompleted Instance = new();
}

/// <summary>Given to the recovery handler first when a snapshot was found.</summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>A snapshot was stored.</summary>
public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>A snapshot could not be stored; the entity goes on (events are the truth).</summary>
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Events up to <see cref="ToSequenceNr"/> were deleted.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

/// <summary>Deleting events failed.</summary>
public sealed record DeleteMessagesFailure(long ToSequenceNr, Exception Cause);

/// <summary>Wraps an event to store it with tags (for projections that read across entities); the
/// handler receives the wrapper, recovery receives the bare payload.</summary>
public sealed record Tagged(object Payload, IReadOnlySet<string> Tags);

/// <summary>How an entity recovers: from which snapshot, up to which event, at most how many events.</summary>
public sealed record Recovery(SnapshotSelectionCriteria FromSnapshot, long ToSequenceNr = long.MaxValue, long ReplayMax = long.MaxValue)
{
    /// <summary>Newest snapshot, then every later event.</summary>
    public static Recovery Default { get; } = new(SnapshotSelectionCriteria.Latest);
}
