namespace ActorTrading.Persistence.Sqlite;

/// <summary>Settings of the SQLite stores. Every key, its default and why.</summary>
public sealed record SqliteStoreSettings
{
    /// <summary>The database file; created with its directory when missing.</summary>
    public required string DatabasePath { get; init; }

    /// <summary>SQLite's <c>synchronous</c> pragma. FULL (default) syncs the WAL on every commit, so an acknowledged
    /// event survives a power cut, not only a process crash; group commit keeps the cost per event low.</summary>
    public string Synchronous { get; init; } = "FULL";

    /// <summary>Largest number of events one transaction carries. Default 2,000.</summary>
    public int MaxEventsPerBatch { get; init; } = 2_000;

    /// <summary>How long a connection waits for a lock before failing. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal string ConnectionString => $"Data Source={DatabasePath};Pooling=True;Foreign Keys=True;Default Timeout={(int)BusyTimeout.TotalSeconds}";

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            throw new ArgumentException("DatabasePath must name a file", nameof(DatabasePath));
        }

        if (Synchronous is not ("FULL" or "NORMAL" or "EXTRA"))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Synchronous must be FULL, EXTRA or NORMAL");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerBatch, 1, nameof(MaxEventsPerBatch));
    }
}
