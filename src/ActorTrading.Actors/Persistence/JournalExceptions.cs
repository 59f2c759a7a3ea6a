namespace ActorTrading.Actors.Persistence;

/// <summary>
/// A write (or read) that failed for a reason the store could name. Each kind says what a caller may do: the entity stops
/// either way (its supervisor backs off and recovers from what is really stored), and an answer to a user is "try again
/// later" (503 with Retry-After) for <see cref="JournalWriteConflictException"/> and <see cref="JournalUnavailableException"/>.
/// </summary>
public abstract class JournalException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whether the same write may succeed if tried again later (by a recovered entity).</summary>
    public abstract bool IsTransient { get; }
}

/// <summary>The single-writer guard refused the write: another writer (an incarnation of the entity on this node or on
/// another one, on the same store) holds the sequence number. Nothing of the write is stored.</summary>
public class JournalWriteConflictException(string message, Exception? inner = null) : JournalException(message, inner)
{
    /// <inheritdoc/>
    public override bool IsTransient => true;
}

/// <summary>A write named a sequence number that its persistence id already has: another incarnation of the
/// entity is (or was) writing. A failure, not a rejection: the writer must stop.</summary>
public sealed class SequenceNumberConflictException(string persistenceId, long sequenceNr, Exception? inner = null)
    : JournalWriteConflictException($"sequence number {sequenceNr} of '{persistenceId}' already exists: another writer is alive, this one must stop", inner)
{
    /// <summary>The entity.</summary>
    public string PersistenceId { get; } = persistenceId;

    /// <summary>The taken sequence number.</summary>
    public long SequenceNr { get; } = sequenceNr;
}

/// <summary>The store's fence refused the write: its writer lease is no longer the shard's current one (the shard moved to
/// another incarnation or a later epoch). Nothing of the write is stored; the writer is a zombie and must stop.</summary>
public sealed class JournalFencedException(WriterLease lease, string detail, Exception? inner = null)
    : JournalException($"write under {lease} refused: {detail}", inner)
{
    /// <summary>The lease the write carried.</summary>
    public WriterLease Lease { get; } = lease;

    /// <inheritdoc/>
    public override bool IsTransient => false;
}

/// <summary>The store could not be reached or gave up on the transaction (connection lost, server shutting down, busy,
/// serialization failure, deadlock): the write is not confirmed durable, and may or may not have been stored (recovery
/// reads what is really there).</summary>
public sealed class JournalUnavailableException(string message, Exception? inner = null, string? code = null) : JournalException(message, inner)
{
    /// <summary>The store's own code of the error (PostgreSQL's SQLSTATE, SQLite's result code), when it gave one.</summary>
    public string? Code { get; } = code;

    /// <inheritdoc/>
    public override bool IsTransient => true;
}
