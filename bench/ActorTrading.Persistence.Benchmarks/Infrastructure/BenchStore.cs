using ActorTrading.Persistence.Hosting;
using ActorTrading.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>Which store a mode runs on.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh store for one run, opened the way a node opens it (<see cref="DurableStores"/>): an SQLite file
/// in a new temporary directory, or a new database on the server of <c>ACTORTRADING_TEST_POSTGRES</c>
/// (<see cref="TestDatabase"/>). Both are removed on dispose. Also opens plain connections to the same
/// database for the raw baselines.
/// </summary>
public sealed class BenchStore : IAsyncDisposable
{
    private readonly TestDatabase? _database;
    private readonly string? _directory;

    private BenchStore(StoreKind kind, DurableStores stores, DurableStoreOptions options, TestDatabase? database, string? directory, string details)
    {
        Kind = kind;
        Stores = stores;
        Options = options;
        _database = database;
        _directory = directory;
        Details = details;
    }

    public StoreKind Kind { get; }

    public DurableStores Stores { get; }

    public DurableStoreOptions Options { get; }

    /// <summary>Writers the journal runs: <see cref="DurableStoreOptions.PostgresWriters"/> on PostgreSQL, one on SQLite.</summary>
    public int JournalWriters => Kind == StoreKind.Postgres ? Options.PostgresWriters : 1;

    /// <summary>The store, its version and its durability settings, for the report.</summary>
    public string Details { get; }

    public string SqlitePath => Options.SqlitePath;

    public static async Task<BenchStore> OpenAsync(StoreKind kind, string purpose, EventSerializer serializer)
    {
        var defaults = new DurableStoreOptions();
        if (kind == StoreKind.Postgres)
        {
            var database = await TestDatabase.CreateAsync($"bench_{purpose}");
            try
            {
                var options = defaults with { PostgresConnectionString = database.ConnectionString };
                var stores = await DurableStores.OpenAsync(options, serializer);
                string version;
                string durability;
                await using (var connection = await database.OpenConnectionAsync())
                {
                    version = await ScalarAsync(connection, "SHOW server_version");
                    durability = $"fsync {await ScalarAsync(connection, "SHOW fsync")}, synchronous_commit {await ScalarAsync(connection, "SHOW synchronous_commit")}";
                }

                return new BenchStore(kind, stores, options, database, null,
                    $"PostgreSQL {version} ({durability}), database {database.Name}; journal: {options.PostgresWriters} writers, at most {options.MaxEventsPerBatch:N0} events per transaction");
            }
            catch
            {
                await database.DisposeAsync();
                throw;
            }
        }

        var directory = Path.Combine(Path.GetTempPath(), $"actortrading-bench-{purpose}-{Guid.NewGuid():N}");
        var sqliteOptions = defaults with { DataDirectory = directory };
        var sqliteStores = await DurableStores.OpenAsync(sqliteOptions, serializer);
        return new BenchStore(kind, sqliteStores, sqliteOptions, null, directory,
            $"SQLite {SqliteVersion()} (WAL, synchronous FULL) in {sqliteOptions.SqlitePath}; journal: 1 writer, at most {sqliteOptions.MaxEventsPerBatch:N0} events per transaction");
    }

    /// <summary>A plain connection to the PostgreSQL database (pooled, like the stores').</summary>
    public Task<NpgsqlConnection> OpenPostgresAsync() =>
        (_database ?? throw new InvalidOperationException("not a PostgreSQL store")).OpenConnectionAsync();

    /// <summary>A plain connection to the SQLite file with the journal's pragmas (synchronous FULL, busy timeout 5 s).</summary>
    public async Task<SqliteConnection> OpenSqliteAsync()
    {
        var connection = new SqliteConnection($"Data Source={SqlitePath};Pooling=True;Foreign Keys=True;Default Timeout=5");
        await connection.OpenAsync();
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
        await pragmas.ExecuteNonQueryAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException exception)
            {
                await Console.Error.WriteLineAsync($"could not remove {_directory}: {exception.Message}");
            }
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }
}
