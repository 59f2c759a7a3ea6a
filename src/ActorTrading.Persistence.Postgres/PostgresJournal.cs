using ActorTrading.Actors.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace ActorTrading.Persistence.Postgres;

/// <summary>
/// The event journal on PostgreSQL. Writes of many entities are group-committed: one transaction
/// inserts a whole batch with a single <c>INSERT … SELECT FROM unnest(…)</c>. The unique
/// <c>(persistence_id, sequence_nr)</c> key guards single-writer: when a write in the batch collides,
/// the transaction is rolled back and retried without it, so that write alone fails and every other
/// write stays atomic and is acknowledged only after COMMIT. An error of the connection or of COMMIT
/// itself fails every write of the batch (the outcome is unknown; recovery reads what is really there).
/// </summary>
public sealed class PostgresJournal : IJournal, IAsyncDisposable
{
    private const string InsertEvents = """
        INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
        SELECT * FROM unnest(@pids, @seqs, @ats, @manifests, @payloads, @writers)
        ON CONFLICT (persistence_id, sequence_nr) DO NOTHING
        RETURNING ordering, persistence_id, sequence_nr
        """;

    private const string InsertTags = """
        INSERT INTO event_tag (tag, tx_id, ordering, persistence_id, sequence_nr)
        SELECT t, pg_current_xact_id(), o, p, s FROM unnest(@tags, @orderings, @pids, @seqs) AS x(t, o, p, s)
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventSerializer _serializer;
    private readonly GroupCommit _groupCommit;

    private PostgresJournal(NpgsqlDataSource dataSource, EventSerializer serializer, PostgresStoreSettings settings)
    {
        _dataSource = dataSource;
        _serializer = serializer;
        _groupCommit = new GroupCommit(WriteBatchAsync, settings.MaxEventsPerBatch, settings.Writers);
    }

    /// <summary>Connects, migrates the schema and starts the group commit.</summary>
    public static async Task<PostgresJournal> OpenAsync(PostgresStoreSettings settings, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        try
        {
            await PostgresSchema.MigrateAsync(dataSource, cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }

        return new PostgresJournal(dataSource, serializer, settings);
    }

    /// <summary>Raised after a batch committed (wakes projections in this process).</summary>
    public event Action? EventsWritten;

    /// <inheritdoc/>
    public Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) =>
        _groupCommit.WriteAsync(SerializedWrite.SerializeAll(writes, _serializer));

    /// <inheritdoc/>
    public async Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT j.sequence_nr, j.created_at, j.manifest, j.payload, j.writer_uuid,
                   ARRAY(SELECT t.tag FROM event_tag t WHERE t.ordering = j.ordering)
              FROM event_journal j
             WHERE j.persistence_id = @pid AND j.sequence_nr BETWEEN @from AND @to AND NOT j.is_deleted
             ORDER BY j.sequence_nr
             LIMIT @max
            """);
        command.Parameters.AddWithValue("pid", persistenceId);
        command.Parameters.AddWithValue("from", fromSequenceNr);
        command.Parameters.AddWithValue("to", toSequenceNr);
        command.Parameters.AddWithValue("max", max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            onReplayed(new Persistent(
                _serializer.Deserialize(reader.GetString(2), reader.GetFieldValue<byte[]>(3)),
                persistenceId,
                reader.GetInt64(0),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(1),
                new HashSet<string>(reader.GetFieldValue<string[]>(5), StringComparer.Ordinal)));
        }
    }

    /// <inheritdoc/>
    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT COALESCE(MAX(sequence_nr), 0) FROM event_journal WHERE persistence_id = @pid");
        command.Parameters.AddWithValue("pid", persistenceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        // Logical delete: the sequence numbers stay taken and the highest stays readable.
        await using var command = _dataSource.CreateCommand("UPDATE event_journal SET is_deleted = true WHERE persistence_id = @pid AND sequence_nr <= @to AND NOT is_deleted");
        command.Parameters.AddWithValue("pid", persistenceId);
        command.Parameters.AddWithValue("to", toSequenceNr);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _groupCommit.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<SerializedWrite> serialized, CancellationToken cancellationToken)
    {
        var results = new Exception?[serialized.Count];
        var remaining = new List<int>();
        var claimed = new HashSet<(string, long)>();
        for (var i = 0; i < serialized.Count; i++)
        {
            if (serialized[i].Rejection is { } rejection)
            {
                results[i] = rejection;
            }
            else if (serialized[i].Write.Events.FirstOrDefault(e => !claimed.Add((e.PersistenceId, e.SequenceNr))) is { } taken)
            {
                // Two incarnations of one entity in the same batch: the first claim goes to the database, the later one fails.
                results[i] = new SequenceNumberConflictException(taken.PersistenceId, taken.SequenceNr);
            }
            else
            {
                remaining.Add(i);
            }
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);

        // Each round either commits or removes at least one colliding write, so it ends.
        while (remaining.Count > 0)
        {
            var conflicts = await TryWriteAsync(connection, serialized, remaining, cancellationToken);
            if (conflicts.Count == 0)
            {
                break;
            }

            foreach (var (index, conflict) in conflicts)
            {
                results[index] = conflict;
                remaining.Remove(index);
            }
        }

        EventsWritten?.Invoke();
        return results;
    }

    /// <summary>Writes the given writes in one transaction; returns the colliding ones (and then rolls back).</summary>
    private static async Task<List<(int Index, SequenceNumberConflictException Conflict)>> TryWriteAsync(
        NpgsqlConnection connection, IReadOnlyList<SerializedWrite> writes, List<int> indexes, CancellationToken cancellationToken)
    {
        var count = indexes.Sum(i => writes[i].Write.Events.Count);
        var pids = new string[count];
        var seqs = new long[count];
        var ats = new DateTimeOffset[count];
        var manifests = new string[count];
        var payloads = new byte[count][];
        var writers = new string[count];
        var row = 0;
        foreach (var index in indexes)
        {
            var write = writes[index];
            for (var e = 0; e < write.Write.Events.Count; e++, row++)
            {
                var @event = write.Write.Events[e];
                pids[row] = @event.PersistenceId;
                seqs[row] = @event.SequenceNr;
                ats[row] = @event.Timestamp.ToUniversalTime();
                manifests[row] = write.Payloads[e].Manifest;
                payloads[row] = write.Payloads[e].Payload;
                writers[row] = @event.WriterUuid;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = new Dictionary<(string, long), long>(count);
        await using (var insert = new NpgsqlCommand(InsertEvents, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<string[]>("pids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = pids });
            insert.Parameters.Add(new NpgsqlParameter<long[]>("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seqs });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = ats });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("manifests", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = manifests });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = payloads });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("writers", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = writers });
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted[(reader.GetString(1), reader.GetInt64(2))] = reader.GetInt64(0);
            }
        }

        if (inserted.Count < count)
        {
            var conflicts = new List<(int, SequenceNumberConflictException)>();
            foreach (var index in indexes)
            {
                var missing = writes[index].Write.Events.FirstOrDefault(e => !inserted.ContainsKey((e.PersistenceId, e.SequenceNr)));
                if (missing is not null)
                {
                    conflicts.Add((index, new SequenceNumberConflictException(missing.PersistenceId, missing.SequenceNr)));
                }
            }

            await transaction.RollbackAsync(cancellationToken);
            return conflicts;
        }

        var tagged = indexes.SelectMany(i => writes[i].Write.Events).Where(e => e.Tags.Count > 0).ToList();
        if (tagged.Count > 0)
        {
            var tagRows = tagged.SelectMany(e => e.Tags.Select(tag => (Tag: tag, Event: e))).ToList();
            await using var insertTags = new NpgsqlCommand(InsertTags, connection, transaction);
            insertTags.Parameters.Add(new NpgsqlParameter<string[]>("tags", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = [.. tagRows.Select(r => r.Tag)] });
            insertTags.Parameters.Add(new NpgsqlParameter<long[]>("orderings", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. tagRows.Select(r => inserted[(r.Event.PersistenceId, r.Event.SequenceNr)])] });
            insertTags.Parameters.Add(new NpgsqlParameter<string[]>("pids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = [.. tagRows.Select(r => r.Event.PersistenceId)] });
            insertTags.Parameters.Add(new NpgsqlParameter<long[]>("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. tagRows.Select(r => r.Event.SequenceNr)] });
            await insertTags.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return [];
    }
}
