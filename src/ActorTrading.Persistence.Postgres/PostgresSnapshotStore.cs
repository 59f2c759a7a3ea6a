using ActorTrading.Actors.Persistence;
using Npgsql;

namespace ActorTrading.Persistence.Postgres;

/// <summary>Snapshots on PostgreSQL, beside the journal.</summary>
public sealed class PostgresSnapshotStore : ISnapshotStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly EventSerializer _serializer;

    private PostgresSnapshotStore(NpgsqlDataSource dataSource, EventSerializer serializer)
    {
        _dataSource = dataSource;
        _serializer = serializer;
    }

    /// <summary>Connects and migrates the schema.</summary>
    public static async Task<PostgresSnapshotStore> OpenAsync(PostgresStoreSettings settings, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        await PostgresSchema.MigrateAsync(dataSource, cancellationToken);
        return new PostgresSnapshotStore(dataSource, serializer);
    }

    /// <inheritdoc/>
    public async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT sequence_nr, created_at, manifest, payload FROM snapshot_store
             WHERE persistence_id = @pid AND sequence_nr BETWEEN @min AND @max AND created_at <= @maxAt
             ORDER BY sequence_nr DESC LIMIT 1
            """);
        AddCriteria(command, persistenceId, criteria);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var metadata = new SnapshotMetadata(persistenceId, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
            return new SelectedSnapshot(metadata, _serializer.Deserialize(reader.GetString(2), reader.GetFieldValue<byte[]>(3)));
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            // A recovery that meets an outage must read as one (its supervisor backs off), not as a bug.
            throw classified;
        }
    }

    /// <inheritdoc/>
    public async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        var serialized = _serializer.Serialize(snapshot);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO snapshot_store (persistence_id, sequence_nr, created_at, manifest, payload)
            VALUES (@pid, @seq, @at, @manifest, @payload)
            ON CONFLICT (persistence_id, sequence_nr) DO UPDATE
               SET created_at = excluded.created_at, manifest = excluded.manifest, payload = excluded.payload
            """);
        command.Parameters.AddWithValue("pid", metadata.PersistenceId);
        command.Parameters.AddWithValue("seq", metadata.SequenceNr);
        command.Parameters.AddWithValue("at", metadata.Timestamp.ToUniversalTime());
        command.Parameters.AddWithValue("manifest", serialized.Manifest);
        command.Parameters.AddWithValue("payload", serialized.Payload);
        await ExecuteAsync(command, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "DELETE FROM snapshot_store WHERE persistence_id = @pid AND sequence_nr BETWEEN @min AND @max AND created_at <= @maxAt");
        AddCriteria(command, persistenceId, criteria);
        await ExecuteAsync(command, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static async Task ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
    }

    private static void AddCriteria(NpgsqlCommand command, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        command.Parameters.AddWithValue("pid", persistenceId);
        command.Parameters.AddWithValue("min", criteria.MinSequenceNr);
        command.Parameters.AddWithValue("max", criteria.MaxSequenceNr);
        command.Parameters.AddWithValue("maxAt", criteria.MaxTimestamp == DateTimeOffset.MaxValue ? DateTimeOffset.MaxValue.ToUniversalTime() : criteria.MaxTimestamp.ToUniversalTime());
    }
}
