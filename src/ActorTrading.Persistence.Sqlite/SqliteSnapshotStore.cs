using ActorTrading.Actors.Persistence;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>Snapshots in the same SQLite file as the journal.</summary>
public sealed class SqliteSnapshotStore : ISnapshotStore
{
    private readonly SqliteDatabase _database;
    private readonly EventSerializer _serializer;

    private SqliteSnapshotStore(SqliteDatabase database, EventSerializer serializer)
    {
        _database = database;
        _serializer = serializer;
    }

    /// <summary>Opens (and creates or migrates) the store in <see cref="SqliteStoreSettings.DatabasePath"/>.</summary>
    public static async Task<SqliteSnapshotStore> OpenAsync(SqliteStoreSettings settings, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var database = new SqliteDatabase(settings);
        await database.MigrateAsync(cancellationToken);
        return new SqliteSnapshotStore(database, serializer);
    }

    /// <inheritdoc/>
    public async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sequence_nr, created_at, manifest, payload FROM snapshot_store
             WHERE persistence_id = $pid AND sequence_nr BETWEEN $min AND $max AND created_at <= $maxAt
             ORDER BY sequence_nr DESC LIMIT 1
            """;
        AddCriteria(command, persistenceId, criteria);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var metadata = new SnapshotMetadata(persistenceId, reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        return new SelectedSnapshot(metadata, _serializer.Deserialize(reader.GetString(2), (byte[])reader.GetValue(3)));
    }

    /// <inheritdoc/>
    public async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        var serialized = _serializer.Serialize(snapshot);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO snapshot_store (persistence_id, sequence_nr, created_at, manifest, payload)
            VALUES ($pid, $seq, $at, $manifest, $payload)
            ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET created_at = excluded.created_at, manifest = excluded.manifest, payload = excluded.payload
            """;
        command.Parameters.AddWithValue("$pid", metadata.PersistenceId);
        command.Parameters.AddWithValue("$seq", metadata.SequenceNr);
        command.Parameters.AddWithValue("$at", metadata.Timestamp.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$manifest", serialized.Manifest);
        command.Parameters.AddWithValue("$payload", serialized.Payload);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM snapshot_store WHERE persistence_id = $pid AND sequence_nr BETWEEN $min AND $max AND created_at <= $maxAt";
        AddCriteria(command, persistenceId, criteria);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddCriteria(Microsoft.Data.Sqlite.SqliteCommand command, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$min", criteria.MinSequenceNr);
        command.Parameters.AddWithValue("$max", criteria.MaxSequenceNr);
        command.Parameters.AddWithValue("$maxAt", criteria.MaxTimestamp == DateTimeOffset.MaxValue ? long.MaxValue : criteria.MaxTimestamp.ToUnixTimeMilliseconds());
    }
}
