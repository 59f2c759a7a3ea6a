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
/// Every row carries its writer's lease; the fence trigger refuses a batch with a stale one (<c>AT001</c>), and then the
/// batch is retried without the writes whose lease the <c>shard_lease</c> table no longer holds, which alone fail with
/// <see cref="JournalFencedException"/>. Errors reach callers classified by <see cref="PostgresErrors"/>.
/// </summary>
public sealed class PostgresJournal : IJournal, IWriterLeaseSource, IAsyncDisposable
{
    private const string InsertEvents = """
        INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid,
                                   shard_type, shard_id, writer_incarnation, writer_epoch)
        SELECT * FROM unnest(@pids, @seqs, @ats, @manifests, @payloads, @writers, @shardTypes, @shardIds, @incarnations, @epochs)
        ON CONFLICT (persistence_id, sequence_nr) DO NOTHING
        RETURNING ordering, persistence_id, sequence_nr
        """;

    private const string InsertTags = """
        INSERT INTO event_tag (tag, tx_id, ordering, persistence_id, sequence_nr)
        SELECT t, pg_current_xact_id(), o, p, s FROM unnest(@tags, @orderings, @pids, @seqs) AS x(t, o, p, s)
        """;

    // One node grants itself its shards: whoever held a lease before (an earlier incarnation) is fenced from here on.
    private const string GrantLease = """
        INSERT INTO shard_lease AS l (type_name, shard_id, owner_incarnation, epoch, state)
        VALUES (@type, @shard, @incarnation, 1, 'active')
        ON CONFLICT (type_name, shard_id) DO UPDATE
           SET owner_incarnation = EXCLUDED.owner_incarnation, epoch = l.epoch + 1, state = 'active',
               target_incarnation = NULL, changed_at = now()
        RETURNING epoch
        """;

    private const string ReadLeases = """
        SELECT l.type_name, l.shard_id, l.owner_incarnation, l.epoch
          FROM shard_lease l JOIN unnest(@types, @shards) AS k(t, s) ON l.type_name = k.t AND l.shard_id = k.s
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventSerializer _serializer;
    private readonly GroupCommit _groupCommit;

    private PostgresJournal(NpgsqlDataSource dataSource, EventSerializer serializer, PostgresStoreSettings settings, long incarnation)
    {
        Incarnation = incarnation;
        _dataSource = dataSource;
        _serializer = serializer;
        _groupCommit = new GroupCommit(WriteBatchAsync, settings.MaxEventsPerBatch, settings.Writers);
    }

    /// <summary>Connects, migrates the schema and starts the group commit.</summary>
    public static async Task<PostgresJournal> OpenAsync(PostgresStoreSettings settings, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        long incarnation;
        try
        {
            await PostgresSchema.MigrateAsync(dataSource, cancellationToken);
            await using var next = dataSource.CreateCommand("SELECT nextval('node_incarnation')");
            incarnation = (long)(await next.ExecuteScalarAsync(cancellationToken) ?? 0L);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }

        return new PostgresJournal(dataSource, serializer, settings, incarnation);
    }

    /// <summary>This journal's node incarnation: a new one each time a journal opens the database, the owner of the
    /// shard leases it grants.</summary>
    public long Incarnation { get; }

    /// <summary>Grants this incarnation the lease of the shard (insert, or take over with the epoch one higher) and returns
    /// it. Until the cluster exists one node runs per database (the node's advisory lock), so it takes every lease it asks for.</summary>
    public async ValueTask<WriterLease> AcquireAsync(string shardType, int shardId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var grant = _dataSource.CreateCommand(GrantLease);
            grant.Parameters.AddWithValue("type", shardType);
            grant.Parameters.AddWithValue("shard", shardId);
            grant.Parameters.AddWithValue("incarnation", Incarnation);
            var epoch = (long)(await grant.ExecuteScalarAsync(cancellationToken) ?? 0L);
            return new WriterLease(shardType, shardId, Incarnation, epoch);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
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
        try
        {
            await ReplayAsync(command, persistenceId, onReplayed, cancellationToken);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
    }

    private async Task ReplayAsync(NpgsqlCommand command, string persistenceId, Action<Persistent> onReplayed, CancellationToken cancellationToken)
    {
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
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
    }

    /// <inheritdoc/>
    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        // Logical delete: the sequence numbers stay taken and the highest stays readable.
        await using var command = _dataSource.CreateCommand("UPDATE event_journal SET is_deleted = true WHERE persistence_id = @pid AND sequence_nr <= @to AND NOT is_deleted");
        command.Parameters.AddWithValue("pid", persistenceId);
        command.Parameters.AddWithValue("to", toSequenceNr);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _groupCommit.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<SerializedWrite> serialized, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteBatchUnclassifiedAsync(serialized, cancellationToken);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified)
        {
            throw classified;
        }
    }

    private async Task<IReadOnlyList<Exception?>> WriteBatchUnclassifiedAsync(IReadOnlyList<SerializedWrite> serialized, CancellationToken cancellationToken)
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

        // Each round either commits or removes at least one colliding or fenced write, so it ends.
        while (remaining.Count > 0)
        {
            List<(int Index, Exception Failure)> conflicts;
            try
            {
                conflicts = await TryWriteAsync(connection, serialized, remaining, cancellationToken);
            }
            catch (PostgresException fenced) when (fenced.SqlState == PostgresErrors.Fenced)
            {
                conflicts = await StaleLeasesAsync(connection, serialized, remaining, fenced, cancellationToken);
            }

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

    /// <summary>After the fence refused the batch (rolled back): the writes whose lease is no longer the shard's, each failed
    /// with <see cref="JournalFencedException"/>. Read without a lock: the retried insert is checked by the fence again.</summary>
    private static async Task<List<(int Index, Exception Failure)>> StaleLeasesAsync(
        NpgsqlConnection connection, IReadOnlyList<SerializedWrite> writes, List<int> indexes, PostgresException fenced, CancellationToken cancellationToken)
    {
        var keys = indexes.Select(i => writes[i].Write.Lease).Where(l => !l.IsNone).Select(l => (l.ShardType, l.ShardId)).Distinct().ToList();
        var current = new Dictionary<(string, int), (long? Owner, long Epoch)>();
        await using (var read = new NpgsqlCommand(ReadLeases, connection))
        {
            read.Parameters.Add(new NpgsqlParameter<string[]>("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. keys.Select(k => k.ShardType)] });
            read.Parameters.Add(new NpgsqlParameter<int[]>("shards", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. keys.Select(k => k.ShardId)] });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                current[(reader.GetString(0), reader.GetInt32(1))] = (reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        var stale = new List<(int, Exception)>();
        foreach (var index in indexes)
        {
            var lease = writes[index].Write.Lease;
            if (lease.IsNone)
            {
                continue;
            }

            var detail = current.TryGetValue((lease.ShardType, lease.ShardId), out var holder)
                ? holder.Owner == lease.Incarnation && holder.Epoch == lease.Epoch ? null : $"the shard's lease is now incarnation {holder.Owner?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} epoch {holder.Epoch}"
                : "the shard has no lease";
            if (detail is not null)
            {
                stale.Add((index, new JournalFencedException(lease, detail, fenced)));
            }
        }

        // The fence and this read disagree only if the leases moved back, which epochs never do: fail every write rather than loop.
        return stale.Count > 0 ? stale : [.. indexes.Select(i => (i, (Exception)new JournalFencedException(writes[i].Write.Lease, fenced.MessageText, fenced)))];
    }

    /// <summary>Writes the given writes in one transaction; returns the colliding ones (and then rolls back).</summary>
    private static async Task<List<(int Index, Exception Failure)>> TryWriteAsync(
        NpgsqlConnection connection, IReadOnlyList<SerializedWrite> writes, List<int> indexes, CancellationToken cancellationToken)
    {
        var count = indexes.Sum(i => writes[i].Write.Events.Count);
        var pids = new string[count];
        var seqs = new long[count];
        var ats = new DateTimeOffset[count];
        var manifests = new string[count];
        var payloads = new byte[count][];
        var writers = new string[count];
        var shardTypes = new string?[count];
        var shardIds = new int?[count];
        var incarnations = new long?[count];
        var epochs = new long?[count];
        var row = 0;
        foreach (var index in indexes)
        {
            var write = writes[index];
            var lease = write.Write.Lease;
            for (var e = 0; e < write.Write.Events.Count; e++, row++)
            {
                var @event = write.Write.Events[e];
                pids[row] = @event.PersistenceId;
                seqs[row] = @event.SequenceNr;
                ats[row] = @event.Timestamp.ToUniversalTime();
                manifests[row] = write.Payloads[e].Manifest;
                payloads[row] = write.Payloads[e].Payload;
                writers[row] = @event.WriterUuid;
                if (!lease.IsNone)
                {
                    shardTypes[row] = lease.ShardType;
                    shardIds[row] = lease.ShardId;
                    incarnations[row] = lease.Incarnation;
                    epochs[row] = lease.Epoch;
                }
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
            insert.Parameters.Add(new NpgsqlParameter<string?[]>("shardTypes", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = shardTypes });
            insert.Parameters.Add(new NpgsqlParameter<int?[]>("shardIds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = shardIds });
            insert.Parameters.Add(new NpgsqlParameter<long?[]>("incarnations", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = incarnations });
            insert.Parameters.Add(new NpgsqlParameter<long?[]>("epochs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = epochs });
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted[(reader.GetString(1), reader.GetInt64(2))] = reader.GetInt64(0);
            }
        }

        if (inserted.Count < count)
        {
            var conflicts = new List<(int, Exception)>();
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
