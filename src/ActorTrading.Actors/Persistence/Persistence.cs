namespace ActorTrading.Actors.Persistence;

/// <summary>
/// The system's journal and snapshot store. Configure them once, before the first persistent actor
/// starts (the host does it from configuration); the default is in memory.
/// </summary>
public sealed class Persistence
{
    private IJournal _journal = new InMemoryJournal();
    private ISnapshotStore _snapshotStore = new InMemorySnapshotStore();
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

    /// <summary>The system's persistence.</summary>
    public static Persistence Get(ActorSystem system) => system.GetExtension(static _ => new Persistence());

    /// <summary>Sets the stores. Refused once a persistent actor has used the previous ones, since two
    /// journals for one entity would split its history.</summary>
    public Persistence Use(IJournal journal, ISnapshotStore snapshotStore)
    {
        if (Volatile.Read(ref _inUse) == 1)
        {
            throw new InvalidOperationException("persistence stores are already in use; configure them before the first persistent actor starts");
        }

        _journal = journal;
        _snapshotStore = snapshotStore;
        return this;
    }
}
