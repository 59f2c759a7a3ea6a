using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>Opens connections with the store's pragmas and migrates the schema of one file: the journal's (with the
/// snapshots), or with <paramref name="readModel"/> the read tables' (<see cref="SqliteStoreSettings.ReadModelPath"/>).
/// With <paramref name="checkpointsInBackground"/> it also keeps the write-ahead log short from a thread of its own
/// (<see cref="WalCheckpointer"/>), which the journal asks for, being the busy writer.</summary>
internal sealed class SqliteDatabase(SqliteStoreSettings settings, bool checkpointsInBackground = false, bool readModel = false) : IDisposable
{
    private WalCheckpointer? _checkpointer;
    private long _held;

    // The read tables' file: each projection creates its own tables; only the offsets are the store's.
    private static readonly (int Version, string Sql)[] ReadModelMigrations =
    [
        (1, """
            CREATE TABLE projection_offset (
                projection_name TEXT    PRIMARY KEY,
                last_ordering   INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL
            );
            """),

        // The journal the tables were built from (SqliteProjectionStore checks it at every start).
        (2, "CREATE TABLE built_from (journal_id TEXT NOT NULL)"),
    ];

    // Versioned, idempotent migrations: each runs once, in its own transaction, recorded in schema_version.
    private static readonly (int Version, string Sql)[] Migrations =
    [
        (1, """
            CREATE TABLE event_journal (
                ordering           INTEGER PRIMARY KEY AUTOINCREMENT,
                persistence_id     TEXT    NOT NULL,
                sequence_nr        INTEGER NOT NULL,
                is_deleted         INTEGER NOT NULL DEFAULT 0,
                created_at         INTEGER NOT NULL,   -- unix milliseconds
                manifest           TEXT    NOT NULL,
                payload            BLOB    NOT NULL,   -- UTF-8 JSON
                writer_uuid        TEXT    NOT NULL,
                shard_type         TEXT,               -- filled once the cluster fences writes
                shard_id           INTEGER,
                writer_incarnation INTEGER,
                writer_epoch       INTEGER,
                CONSTRAINT event_journal_uq UNIQUE (persistence_id, sequence_nr)
            );
            CREATE TABLE event_tag (
                tag            TEXT    NOT NULL,
                ordering       INTEGER NOT NULL REFERENCES event_journal (ordering) ON DELETE CASCADE,
                persistence_id TEXT    NOT NULL,
                sequence_nr    INTEGER NOT NULL,
                PRIMARY KEY (tag, ordering)
            );
            CREATE TABLE snapshot_store (
                persistence_id TEXT    NOT NULL,
                sequence_nr    INTEGER NOT NULL,
                created_at     INTEGER NOT NULL,
                manifest       TEXT    NOT NULL,
                payload        BLOB    NOT NULL,
                PRIMARY KEY (persistence_id, sequence_nr)
            );
            """),
        (2, """
            CREATE TABLE projection_offset (
                projection_name TEXT    PRIMARY KEY,
                last_ordering   INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL
            );
            """),

        // Reading an event's tags (replay, projections) looks them up by ordering, which the key (tag, ordering) cannot
        // serve: without this, each event read scanned every tag.
        (3, "CREATE INDEX event_tag_by_ordering ON event_tag (ordering)"),

        // Which journal this is, for the read tables' file beside it (SqliteProjectionStore): a file deleted or restored
        // from elsewhere is told apart from the one they were built from.
        (4, "CREATE TABLE journal_identity (journal_id TEXT NOT NULL); INSERT INTO journal_identity VALUES (lower(hex(randomblob(16))))"),
    ];

    public SqliteStoreSettings Settings { get; } = settings;

    /// <summary>The file.</summary>
    public string Path { get; } = readModel ? settings.ReadModelDatabasePath : settings.DatabasePath;

    /// <summary>Taken by every writer in this process (the journal and the projections): SQLite has one writer per file, and
    /// a writer that finds the file locked sleeps in growing steps (up to 100 ms) before it tries again; queued here,
    /// the next writer starts as soon as the last one commits.</summary>
    public SemaphoreSlim WriteGate { get; } = new(1, 1);

    /// <summary>Says that a transaction committed (wakes the background checkpoints).</summary>
    public void Committed() => _checkpointer?.Written();

    /// <summary>How long <see cref="WriteGate"/> has been held, in total, since the file was opened.</summary>
    public TimeSpan WriteLockHeld => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _held));

    /// <summary>Enters <see cref="WriteGate"/>; dispose to leave (which also says that something may have been committed).</summary>
    public async Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await WriteGate.WaitAsync(cancellationToken);
        return new Exit(this, Stopwatch.GetTimestamp());
    }

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default) => OpenAsync(readOnly: false, cancellationToken);

    /// <summary>Opens a read-only connection, from a pool of its own.</summary>
    public Task<SqliteConnection> OpenReadOnlyAsync(CancellationToken cancellationToken) => OpenAsync(readOnly: true, cancellationToken);

    private async Task<SqliteConnection> OpenAsync(bool readOnly, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(Settings.ConnectionString(Path, readOnly));
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = Pragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>Opens the journal's writer: the one connection that walks the unique key of every entity, given a bigger page cache.</summary>
    public async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using var cache = connection.CreateCommand();
        cache.CommandText = $"PRAGMA cache_size = -{Settings.WriterCacheSizeKib}";
        await cache.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public void Dispose() => _checkpointer?.Dispose();

    private string Pragmas =>
        $"PRAGMA synchronous = {Settings.Synchronous}; PRAGMA busy_timeout = {(int)Settings.BusyTimeout.TotalMilliseconds}; " +
        $"PRAGMA wal_autocheckpoint = {(checkpointsInBackground ? Settings.WriterCheckpointPages : 1_000)};";

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(directory))
        {
            OwnerOnlyFiles.CreateDirectory(directory);
        }

        OwnerOnlyFiles.CreateFile(Path);
        await using var connection = await OpenAsync(cancellationToken);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (version, sql) in readModel ? ReadModelMigrations : Migrations)
        {
            // BEGIN IMMEDIATE takes the write lock first, so two processes opening one file migrate one after the other.
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var check = connection.CreateCommand();
            check.Transaction = transaction;
            check.CommandText = "SELECT COUNT(*) FROM schema_version WHERE version = $v";
            check.Parameters.AddWithValue("$v", version);
            if ((long)(await check.ExecuteScalarAsync(cancellationToken))! > 0)
            {
                continue;
            }

            await using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = sql + "; INSERT INTO schema_version (version, applied_at) VALUES ($v, $at);";
            migrate.Parameters.AddWithValue("$v", version);
            migrate.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await migrate.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (checkpointsInBackground)
        {
            _checkpointer ??= new WalCheckpointer(this);
        }
    }

    private sealed class Exit(SqliteDatabase database, long entered) : IDisposable
    {
        private int _exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _exited, 1) == 0)
            {
                Interlocked.Add(ref database._held, Stopwatch.GetTimestamp() - entered);
                database.WriteGate.Release();
                database.Committed();
            }
        }
    }
}
