using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Postgres;
using ActorTrading.Persistence.Projections;
using ActorTrading.Persistence.Sqlite;
using Npgsql;

namespace ActorTrading.Persistence.Hosting;

/// <summary>The journal, snapshot store and projection store of a node, all on the store its options select.</summary>
public sealed class DurableStores : IAsyncDisposable
{
    private readonly IAsyncDisposable[] _owned;

    private DurableStores(IJournal journal, ISnapshotStore snapshotStore, IProjectionStore projectionStore, string description, params IAsyncDisposable[] owned)
    {
        Journal = journal;
        SnapshotStore = snapshotStore;
        ProjectionStore = projectionStore;
        Description = description;
        _owned = owned;
    }

    /// <summary>The event journal.</summary>
    public IJournal Journal { get; }

    /// <summary>The snapshot store.</summary>
    public ISnapshotStore SnapshotStore { get; }

    /// <summary>Where projections read the journal and keep their offsets.</summary>
    public IProjectionStore ProjectionStore { get; }

    /// <summary>Which store, for the start-up log: never a password.</summary>
    public string Description { get; }

    /// <summary>The kind of store: <c>postgresql</c> or <c>sqlite</c>.</summary>
    public string Kind => Journal is PostgresJournal ? "postgresql" : "sqlite";

    /// <summary>Opens (creating or migrating the schema) the store the options select, first taking its
    /// <see cref="SingleNodeLock"/> (<see cref="StoreInUseException"/> when another node holds it);
    /// <see cref="StoreUnavailableException"/> naming the store when it cannot be reached or opened.</summary>
    public static async Task<DurableStores> OpenAsync(DurableStoreOptions options, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        try
        {
            var held = await SingleNodeLock.AcquireAsync(options, cancellationToken);
            try
            {
                return await OpenLockedAsync(options, serializer, held, cancellationToken);
            }
            catch
            {
                await held.DisposeAsync();
                throw;
            }
        }
        catch (Exception unavailable) when (unavailable is NpgsqlException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            var store = options.UsesPostgres ? DescribePostgres(options.PostgresConnectionString ?? string.Empty) : $"SQLite in {Path.GetFullPath(options.DataDirectory)}";
            throw new StoreUnavailableException($"cannot open the store, {store}: {FirstLine(unavailable)}", unavailable);
        }
    }

    // Npgsql's messages for a refused connection are one line; an inner exception often says the actual cause.
    private static string FirstLine(Exception exception)
    {
        var message = exception.InnerException is { } inner && exception is NpgsqlException and not PostgresException
            ? $"{exception.Message} ({inner.Message})"
            : exception.Message;
        return message.Split('\n', 2)[0].Trim();
    }

    private static async Task<DurableStores> OpenLockedAsync(DurableStoreOptions options, EventSerializer serializer, SingleNodeLock held, CancellationToken cancellationToken)
    {
        if (options.UsesPostgres)
        {
            var settings = new PostgresStoreSettings
            {
                ConnectionString = options.PostgresConnectionString!,
                Writers = options.PostgresWriters,
                MaxEventsPerBatch = options.MaxEventsPerBatch,
            };
            var journal = await PostgresJournal.OpenAsync(settings, serializer, cancellationToken);
            var snapshots = await PostgresSnapshotStore.OpenAsync(settings, serializer, cancellationToken);
            var projections = new PostgresProjectionStore(settings, serializer, journal);
            return new DurableStores(journal, snapshots, projections, DescribePostgres(settings.ConnectionString), projections, snapshots, journal, held);
        }

        var sqlite = new SqliteStoreSettings { DatabasePath = options.SqlitePath, MaxEventsPerBatch = options.MaxEventsPerBatch };
        var sqliteJournal = await SqliteJournal.OpenAsync(sqlite, serializer, cancellationToken);
        var sqliteSnapshots = await SqliteSnapshotStore.OpenAsync(sqlite, serializer, cancellationToken);
        var sqliteProjections = await SqliteProjectionStore.OpenAsync(sqliteJournal, cancellationToken);
        return new DurableStores(sqliteJournal, sqliteSnapshots, sqliteProjections,
            $"SQLite {Path.GetFullPath(sqlite.DatabasePath)} (read tables: {Path.GetFullPath(sqliteProjections.ReadModelPath)})", sqliteProjections, sqliteJournal, held);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private static string DescribePostgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
    }
}
