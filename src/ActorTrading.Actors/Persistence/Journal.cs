namespace ActorTrading.Actors.Persistence;

/// <summary>One stored event: its payload and where it sits in its entity's history.</summary>
/// <param name="Payload">The event.</param>
/// <param name="PersistenceId">The entity's stable id.</param>
/// <param name="SequenceNr">1, 2, 3… per persistence id, without gaps.</param>
/// <param name="WriterUuid">The incarnation that wrote it; two different writers for one id mean a bug or a split.</param>
/// <param name="Timestamp">When the writer persisted it.</param>
/// <param name="Tags">Labels for projections that read across entities.</param>
public sealed record Persistent(object Payload, string PersistenceId, long SequenceNr, string WriterUuid, DateTimeOffset Timestamp, IReadOnlySet<string> Tags);

/// <summary>Events of one persist call, stored all or none.</summary>
public sealed record AtomicWrite(IReadOnlyList<Persistent> Events)
{
    /// <summary>The lease the writer writes under (its shard's); <see cref="WriterLease.None"/> outside shards.</summary>
    public WriterLease Lease { get; init; } = WriterLease.None;

    /// <summary>The entity.</summary>
    public string PersistenceId => Events[0].PersistenceId;

    /// <summary>The first sequence number.</summary>
    public long LowestSequenceNr => Events[0].SequenceNr;

    /// <summary>The last sequence number.</summary>
    public long HighestSequenceNr => Events[^1].SequenceNr;
}

/// <summary>A write the journal refused for a reason in the events themselves (for example one that cannot be
/// serialized). The entity goes on; nothing of that write is stored.</summary>
public sealed class JournalWriteRejectedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The event journal. Its contract, which every store keeps and the shared contract suite checks:
/// <list type="bullet">
/// <item>An <see cref="AtomicWrite"/> is atomic: all its events are stored or none is.</item>
/// <item>Writes are ordered per persistence id: events of one id are replayed in sequence-number order.</item>
/// <item>A sequence number is unique per persistence id. Writing one that exists is a failure of that
///   write (never a silent overwrite or skip): it is the last guard against two live incarnations.</item>
/// <item>A task that completes successfully means durable. Anything uncertain (a lost connection, a
///   timeout, a commit whose answer never came) is reported as failure, never as success.</item>
/// <item>A write carries its writer's <see cref="AtomicWrite.Lease"/>; a store that fences refuses one whose lease is
///   not its shard's current one with <see cref="JournalFencedException"/>.</item>
/// <item>Failures are typed (<see cref="JournalException"/>): a taken sequence number is a
///   <see cref="JournalWriteConflictException"/>, an unreachable or failing store a <see cref="JournalUnavailableException"/>.</item>
/// <item>Writes of different persistence ids in one call are independent: one's rejection or failure
///   does not fail the others (so stores may group-commit many entities in one transaction only if
///   they can tell the outcomes apart).</item>
/// </list>
/// </summary>
public interface IJournal
{
    /// <summary>
    /// Stores the writes. The returned list has one entry per write, in order: null when stored,
    /// a <see cref="JournalWriteRejectedException"/> when rejected (the entity goes on), any other
    /// exception when failed (the entity stops). A faulted task fails every write.
    /// </summary>
    Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>Replays events of <paramref name="persistenceId"/> from <paramref name="fromSequenceNr"/> to
    /// <paramref name="toSequenceNr"/> (inclusive), at most <paramref name="max"/>, in order, skipping deleted ones.</summary>
    Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence number ever stored for the id (deleted events count), or 0.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes events up to and including <paramref name="toSequenceNr"/>; the highest sequence number stays.</summary>
    Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);
}
