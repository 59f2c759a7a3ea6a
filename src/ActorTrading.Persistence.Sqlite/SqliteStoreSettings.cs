namespace ActorTrading.Persistence.Sqlite;

/// <summary>Settings of the SQLite stores. Every key, its default and why.</summary>
public sealed record SqliteStoreSettings
{
    /// <summary>The database file; created with its directory when missing.</summary>
    public required string DatabasePath { get; init; }

    /// <summary>
    /// The file of the read tables that projections write, with their offsets. A file of its own: SQLite has one writer
    /// per file, and in the journal's file every projection batch made the journal's next commit (every entity's next
    /// event) wait for it. Default: beside <see cref="DatabasePath"/>, its name with <c>-read-model</c> added
    /// (<c>data/actortrading-read-model.db</c>).
    /// </summary>
    public string? ReadModelPath { get; init; }

    /// <summary>SQLite's <c>synchronous</c> pragma. FULL (default) syncs the WAL on every commit, so an acknowledged
    /// event survives a power cut, not only a process crash; group commit keeps the cost per event low.</summary>
    public string Synchronous { get; init; } = "FULL";

    /// <summary>Largest number of events one transaction carries. Default 2,000.</summary>
    public int MaxEventsPerBatch { get; init; } = 2_000;

    /// <summary>How often, at most, committed pages are copied from the write-ahead log into the database file, on a
    /// connection and thread of their own (a passive checkpoint: writers do not wait for it). Default 200 ms.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Log size in pages at which a committing writer checkpoints itself, as SQLite does by default at 1,000.
    /// Only reached when the background checkpoints fall behind. Default 100,000 (about 400 MB).</summary>
    public int WriterCheckpointPages { get; init; } = 100_000;

    /// <summary>Page cache of the journal's writer connection in KiB (SQLite's default, kept by the other connections, is
    /// 2,000). Each event's insert walks the unique key of all entities. Default 8,192 (8 MiB, filled only as pages are read).</summary>
    /// <remarks>Not bigger: at the end of every write transaction SQLite drops the cached pages past the file's end, and once
    /// the cache is large it does so by walking every cached page. At 64 MiB that walk took 0.8 ms per commit (measured with
    /// uprobes during a 10,000-subscription fan-out: 155 ms in 192 commits, all on the one writer's path); at 8 MiB 0.26 ms,
    /// with journal throughput unchanged.</remarks>
    public int WriterCacheSizeKib { get; init; } = 8_192;

    /// <summary>How many of the events this process committed last are kept in memory for projections that keep up, which
    /// then read them from there instead of reading back and deserializing them (each for at most 5 s). Default 16,384:
    /// one signal fanned out to 10,000 subscriptions, with room to spare. 0 turns it off.</summary>
    public int RecentEventsKept { get; init; } = 16_384;

    /// <summary>How long a connection waits for a lock before failing. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal string ReadModelDatabasePath => ReadModelPath
        ?? Path.Combine(Path.GetDirectoryName(DatabasePath) ?? "", Path.GetFileNameWithoutExtension(DatabasePath) + "-read-model" + Path.GetExtension(DatabasePath));

    internal string ConnectionString(string path, bool readOnly = false) =>
        $"Data Source={path};Pooling=True;Foreign Keys=True;Default Timeout={(int)BusyTimeout.TotalSeconds}{(readOnly ? ";Mode=ReadOnly" : "")}";

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            throw new ArgumentException("DatabasePath must name a file", nameof(DatabasePath));
        }

        if (ReadModelPath is not null && (string.IsNullOrWhiteSpace(ReadModelPath) || Path.GetFullPath(ReadModelPath) == Path.GetFullPath(DatabasePath)))
        {
            throw new ArgumentException("ReadModelPath must name a file other than DatabasePath", nameof(ReadModelPath));
        }

        if (Synchronous is not ("FULL" or "NORMAL" or "EXTRA"))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Synchronous must be FULL, EXTRA or NORMAL");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerBatch, 1, nameof(MaxEventsPerBatch));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CheckpointInterval, TimeSpan.Zero, nameof(CheckpointInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriterCheckpointPages, 1_000, nameof(WriterCheckpointPages));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriterCacheSizeKib, 0, nameof(WriterCacheSizeKib));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecentEventsKept, 0, nameof(RecentEventsKept));
    }
}
