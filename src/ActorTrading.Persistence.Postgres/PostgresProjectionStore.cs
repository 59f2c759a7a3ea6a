using System.Data.Common;
using ActorTrading.Persistence.Projections;
using Npgsql;
using NpgsqlTypes;

namespace ActorTrading.Persistence.Postgres;

/// <summary>
/// Reads the journal for projections in (transaction id, ordering) order, and only events of transactions
/// older than the oldest one still running: a transaction that took its ordering early but commits late is
/// waited for, never skipped.
/// </summary>
public sealed class PostgresProjectionStore : IProjectionStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly EventSerializer _serializer;
    private readonly PostgresJournal? _journal;

    /// <summary>Creates the store; <paramref name="journal"/>, when given, wakes runners after its commits.</summary>
    public PostgresProjectionStore(PostgresStoreSettings settings, EventSerializer serializer, PostgresJournal? journal = null)
    {
        settings.Validate();
        _dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        _serializer = serializer;
        _journal = journal;
    }

    /// <inheritdoc/>
    public event Action? EventsWritten
    {
        add
        {
            if (_journal is not null)
            {
                _journal.EventsWritten += value;
            }
        }

        remove
        {
            if (_journal is not null)
            {
                _journal.EventsWritten -= value;
            }
        }
    }

    /// <inheritdoc/>
    public ProjectionDialect Dialect => ProjectionDialect.Postgres;

    /// <inheritdoc/>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc/>
    /// <remarks>PostgreSQL runs writers side by side: nothing to queue for.</remarks>
    public Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken) => Task.FromResult<IDisposable>(NoGate.Instance);

    private sealed class NoGate : IDisposable
    {
        public static readonly NoGate Instance = new();

        public void Dispose()
        {
        }
    }

    /// <inheritdoc/>
    public async Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT j.tx_id, j.ordering, j.persistence_id, j.sequence_nr, j.manifest, j.payload, j.created_at,
                   ARRAY(SELECT t.tag FROM event_tag t WHERE t.ordering = j.ordering)
              FROM event_journal j
             WHERE (j.tx_id, j.ordering) > (@tx, @ordering)
               AND j.tx_id < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY j.tx_id, j.ordering
             LIMIT @max
            """);
        command.Parameters.Add(new NpgsqlParameter<ulong>("tx", NpgsqlDbType.Xid8) { TypedValue = after.TxId });
        command.Parameters.AddWithValue("ordering", after.Ordering);
        command.Parameters.AddWithValue("max", max);
        var events = new List<ProjectedEvent>();
        var (read, last, lastAt) = (0, ProjectionOffset.Start, DateTimeOffset.MinValue);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            read++;
            last = new ProjectionOffset(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
            lastAt = reader.GetFieldValue<DateTimeOffset>(6);
            var manifest = reader.GetString(4);
            if (!include(manifest))
            {
                continue;
            }

            events.Add(new ProjectedEvent(
                last,
                reader.GetString(2),
                reader.GetInt64(3),
                manifest,
                reader.GetFieldValue<byte[]>(5),
                lastAt,
                ProjectedEvent.ParseTags(reader.GetFieldValue<string[]>(7)),
                _serializer));
        }

        return new ProjectionBatch(events, read, last, lastAt);
    }

    /// <inheritdoc/>
    public async Task<ProjectionOffset> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT tx_id, ordering FROM event_journal ORDER BY tx_id DESC, ordering DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ProjectionOffset(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : ProjectionOffset.Start;
    }

    /// <inheritdoc/>
    public async Task<ProjectionOffset> LoadOffsetAsync(string projection, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT last_tx_id, last_ordering FROM projection_offset WHERE projection_name = @name FOR UPDATE",
            (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("name", projection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ProjectionOffset(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : ProjectionOffset.Start;
    }

    /// <inheritdoc/>
    public async Task SaveOffsetAsync(string projection, ProjectionOffset offset, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO projection_offset (projection_name, last_tx_id, last_ordering, updated_at) VALUES (@name, @tx, @ordering, now())
            ON CONFLICT (projection_name) DO UPDATE SET last_tx_id = excluded.last_tx_id, last_ordering = excluded.last_ordering, updated_at = now()
            """, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("name", projection);
        command.Parameters.Add(new NpgsqlParameter<ulong>("tx", NpgsqlDbType.Xid8) { TypedValue = offset.TxId });
        command.Parameters.AddWithValue("ordering", offset.Ordering);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
