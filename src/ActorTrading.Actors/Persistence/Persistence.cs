namespace ActorTrading.Actors.Persistence;

/// <summary>
/// The system's journal and snapshot store. Configure them once, before the first persistent actor
/// starts (the host does it from configuration); the default is in memory.
/// </summary>
public sealed class Persistence
{
    private IJournal _journal = new InMemoryJournal();
    private ISnapshotStore _snapshotStore = new InMemorySnapshotStore();
    private IWriterLeaseSource _leases = new LocalWriterLeaseSource();
    private int _inUse;

    private Persistence()
    {
    }

    /// <summary>The journal persistent actors use unless they override theirs.</summary>
    public IJournal Journal
    {
        get
        {
            Volatile.Write(ref _inUse, 1);
            return _journal;
        }
    }

    /// <summary>The snapshot store persistent actors use unless they override theirs.</summary>
    public ISnapshotStore SnapshotStore
    {
        get
        {
            Volatile.Write(ref _inUse, 1);
            return _snapshotStore;
        }
    }

    /// <summary>Where shards get the leases their entities write under.</summary>
    public IWriterLeaseSource Leases => Volatile.Read(ref _leases);

    /// <summary>The system's persistence.</summary>
    public static Persistence Get(ActorSystem system) => system.GetExtension(static _ => new Persistence());

    /// <summary>Sets the stores, and the lease source: <paramref name="leases"/>, else the journal's own when it grants
    /// the leases it fences by (PostgreSQL's), else a <see cref="LocalWriterLeaseSource"/>. Refused once a persistent
    /// actor has used the previous ones, since two journals for one entity would split its history.</summary>
    public Persistence Use(IJournal journal, ISnapshotStore snapshotStore, IWriterLeaseSource? leases = null)
    {
        if (Volatile.Read(ref _inUse) == 1)
        {
            throw new InvalidOperationException("persistence stores are already in use; configure them before the first persistent actor starts");
        }

        _journal = journal;
        _snapshotStore = snapshotStore;
        Volatile.Write(ref _leases, leases ?? journal as IWriterLeaseSource ?? new LocalWriterLeaseSource());
        return this;
    }
}
