using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Projections;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// The event journal in an SQLite file. One writer connection takes batches from the group commit
/// (SQLite allows one writer at a time anyway); each atomic write sits in its own savepoint, so a
/// conflicting write is rolled back alone and the rest of the batch commits. Reads use their own
/// connections (WAL lets them run beside the writer).
/// </summary>
public sealed class SqliteJournal : IJournal, IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly EventSerializer _serializer;
    private readonly GroupCommit _groupCommit;
    private readonly RecentlyCommitted _recent;
    private SqliteConnection? _writer;

    private SqliteJournal(SqliteDatabase database, EventSerializer serializer)
    {
        _database = database;
        _serializer = serializer;
        _recent = new RecentlyCommitted(database.Settings.RecentEventsKept);
        _groupCommit = new GroupCommit(WriteBatchAsync, database.Settings.MaxEventsPerBatch, writers: 1);
    }

    /// <summary>Opens (and creates or migrates) the journal in <see cref="SqliteStoreSettings.DatabasePath"/>.</summary>
    public static async Task<SqliteJournal> OpenAsync(SqliteStoreSettings settings, EventSerializer serializer, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var database = new SqliteDatabase(settings, checkpointsInBackground: true);
        await database.MigrateAsync(cancellationToken);
        return new SqliteJournal(database, serializer);
    }

    /// <summary>Raised after a batch committed (wakes projections in this process).</summary>
    public event Action? EventsWritten;

    internal SqliteDatabase Database => _database;

    /// <summary>How long this journal has held its file's one write lock, in total (its commits).</summary>
    public TimeSpan WriteLockHeld => _database.WriteLockHeld;

    internal EventSerializer Serializer => _serializer;

    /// <summary>The events this process committed last, for projections that keep up.</summary>
    internal RecentlyCommitted Recent => _recent;

    /// <inheritdoc/>
    public Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) =>
        _groupCommit.WriteAsync(SerializedWrite.SerializeAll(writes, _serializer));

    /// <inheritdoc/>
    public async Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT j.sequence_nr, j.created_at, j.manifest, j.payload, j.writer_uuid,
                   (SELECT group_concat(t.tag, char(31)) FROM event_tag t WHERE t.ordering = j.ordering)
              FROM event_journal j
             WHERE j.persistence_id = $pid AND j.sequence_nr BETWEEN $from AND $to AND j.is_deleted = 0
             ORDER BY j.sequence_nr
             LIMIT $max
            """;
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$from", fromSequenceNr);
        command.Parameters.AddWithValue("$to", toSequenceNr);
        command.Parameters.AddWithValue("$max", max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var tags = reader.IsDBNull(5) ? [] : reader.GetString(5).Split('\u001f');
            onReplayed(new Persistent(
                _serializer.Deserialize(reader.GetString(2), (byte[])reader.GetValue(3)),
                persistenceId,
                reader.GetInt64(0),
                reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                new HashSet<string>(tags, StringComparer.Ordinal)));
        }
    }

    /// <inheritdoc/>
    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(sequence_nr), 0) FROM event_journal WHERE persistence_id = $pid";
        command.Parameters.AddWithValue("$pid", persistenceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        // Logical delete: the rows keep their sequence numbers taken, and the highest one stays readable.
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE event_journal SET is_deleted = 1 WHERE persistence_id = $pid AND sequence_nr <= $to AND is_deleted = 0";
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$to", toSequenceNr);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _groupCommit.DisposeAsync();
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _database.Dispose();
    }

    private async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<SerializedWrite> serialized, CancellationToken cancellationToken)
    {
        var results = new Exception?[serialized.Count];
        using (await _database.EnterWriteAsync(cancellationToken))
        {
            try
            {
                _writer ??= await _database.OpenWriterAsync(cancellationToken);
                // Fast path: the whole batch in one transaction. A taken sequence number (two incarnations, rare)
                // rolls it back; then each write goes in a savepoint of its own, so that one fails alone.
                var committed = TryWriteWithoutSavepoints(_writer, serialized, results, _serializer)
                    ?? WriteWithSavepoints(_writer, serialized, results, _serializer);

                // Before the gate opens: the next batch's events can only follow these.
                _recent.Add(committed);
            }
            catch (Exception exception)
            {
                // The connection's state is unknown after a failed commit: start afresh next time.
                if (_writer is not null)
                {
                    await _writer.DisposeAsync();
                    _writer = null;
                }

                throw SqliteErrors.Classify(exception);
            }
        }

        EventsWritten?.Invoke();
        return results;
    }

    // SQLite runs in this thread: the driver's async methods would only wrap the same synchronous calls in tasks.
    // Both return the events committed, as projections would read them back.
    private static List<ProjectedEvent>? TryWriteWithoutSavepoints(SqliteConnection connection, IReadOnlyList<SerializedWrite> writes, Exception?[] results, EventSerializer serializer)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        List<ProjectedEvent> committed;
        using (var statements = new Statements(connection, transaction, serializer))
        {
            try
            {
                for (var i = 0; i < writes.Count; i++)
                {
                    if (writes[i].Rejection is { } rejection)
                    {
                        results[i] = rejection;
                        continue;
                    }

                    statements.Insert(writes[i]);
                }
            }
            catch (SqliteException exception) when (SqliteErrors.IsUniqueViolation(exception))
            {
                transaction.Rollback();
                Array.Clear(results);
                return null;
            }

            committed = statements.Inserted;
        }

        transaction.Commit();
        return committed;
    }

    private static List<ProjectedEvent> WriteWithSavepoints(SqliteConnection connection, IReadOnlyList<SerializedWrite> writes, Exception?[] results, EventSerializer serializer)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var statements = new Statements(connection, transaction, serializer);

        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            if (write.Rejection is not null)
            {
                results[i] = write.Rejection;
                continue;
            }

            transaction.Save("write");
            var insertedBefore = statements.Inserted.Count;
            try
            {
                statements.Insert(write);
                transaction.Release("write");
            }
            catch (SqliteException exception) when (SqliteErrors.IsUniqueViolation(exception) && statements.Current is { } current)
            {
                transaction.Rollback("write");
                transaction.Release("write");
                statements.Inserted.RemoveRange(insertedBefore, statements.Inserted.Count - insertedBefore);
                results[i] = new SequenceNumberConflictException(current.PersistenceId, current.SequenceNr, exception);
            }
        }

        transaction.Commit();
        return statements.Inserted;
    }

    /// <summary>The prepared inserts of one transaction.</summary>
    /// <remarks>
    /// The event insert is the single writer's whole job, so it goes straight to SQLite's own API: one statement
    /// compiled per transaction, values bound from UTF-8 bytes, step, reset. Through the ADO.NET command each row
    /// also cost a data reader, a binder per parameter and a string conversion per text value.
    /// </remarks>
    private sealed class Statements : IDisposable
    {
        private const int SqliteDone = 101;
        private readonly SqliteConnection _connection;
        private readonly sqlite3_stmt _insert;
        private readonly SqliteCommand _insertTag;
        private readonly SqliteParameter _tag;
        private readonly SqliteParameter _tagOrdering;
        private readonly SqliteParameter _tagPid;
        private readonly SqliteParameter _tagSeq;
        private readonly EventSerializer _serializer;

        public Statements(SqliteConnection connection, SqliteTransaction transaction, EventSerializer serializer)
        {
            _connection = connection;
            _serializer = serializer;
            SqliteStatement.Check(connection, raw.sqlite3_prepare_v2(connection.Handle, """
                INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid,
                                           shard_type, shard_id, writer_incarnation, writer_epoch)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """, out _insert));
            _insertTag = connection.CreateCommand();
            _insertTag.Transaction = transaction;
            _insertTag.CommandText = "INSERT INTO event_tag (tag, ordering, persistence_id, sequence_nr) VALUES ($tag, $ordering, $pid, $seq)";
            _tag = _insertTag.Parameters.Add("$tag", SqliteType.Text);
            _tagOrdering = _insertTag.Parameters.Add("$ordering", SqliteType.Integer);
            _tagPid = _insertTag.Parameters.Add("$pid", SqliteType.Text);
            _tagSeq = _insertTag.Parameters.Add("$seq", SqliteType.Integer);
        }

        /// <summary>The event being inserted (the one that collided, after a unique violation).</summary>
        public Persistent? Current { get; private set; }

        /// <summary>The events inserted so far, as projections would read them back once committed.</summary>
        public List<ProjectedEvent> Inserted { get; } = [];

        public void Insert(SerializedWrite write)
        {
            // The writer's lease, as the cluster's fence will read it (SQLite has no fence: one node per file).
            var lease = write.Write.Lease;
            if (lease.IsNone)
            {
                Check(raw.sqlite3_bind_null(_insert, 7));
                Check(raw.sqlite3_bind_null(_insert, 8));
                Check(raw.sqlite3_bind_null(_insert, 9));
                Check(raw.sqlite3_bind_null(_insert, 10));
            }
            else
            {
                Check(SqliteStatement.BindText(_insert, 7, lease.ShardType));
                Check(raw.sqlite3_bind_int64(_insert, 8, lease.ShardId));
                Check(raw.sqlite3_bind_int64(_insert, 9, lease.Incarnation));
                Check(raw.sqlite3_bind_int64(_insert, 10, lease.Epoch));
            }

            for (var e = 0; e < write.Write.Events.Count; e++)
            {
                var current = Current = write.Write.Events[e];
                Check(SqliteStatement.BindText(_insert, 1, current.PersistenceId));
                Check(raw.sqlite3_bind_int64(_insert, 2, current.SequenceNr));
                Check(raw.sqlite3_bind_int64(_insert, 3, current.Timestamp.ToUnixTimeMilliseconds()));
                Check(SqliteStatement.BindText(_insert, 4, write.Payloads[e].Manifest));
                Check(raw.sqlite3_bind_blob(_insert, 5, write.Payloads[e].Payload));
                Check(SqliteStatement.BindText(_insert, 6, current.WriterUuid));
                var stepped = raw.sqlite3_step(_insert);
                raw.sqlite3_reset(_insert);
                if (stepped != SqliteDone)
                {
                    // With its extended code, as the driver would raise it: a taken sequence number is told apart by it.
                    throw SqliteStatement.StepFailed(_connection, stepped);
                }

                // The row just inserted on this connection: its ordering, without a result set for every event.
                var ordering = raw.sqlite3_last_insert_rowid(_connection.Handle);
                Inserted.Add(ProjectedEvent.Written(new ProjectionOffset(0, ordering), current.PersistenceId, current.SequenceNr, write.Payloads[e].Manifest,
                    current.Payload, DateTimeOffset.FromUnixTimeMilliseconds(current.Timestamp.ToUnixTimeMilliseconds()), current.Tags, _serializer));
                if (current.Tags.Count == 0)
                {
                    continue;
                }

                foreach (var label in current.Tags)
                {
                    _tag.Value = label;
                    _tagOrdering.Value = ordering;
                    _tagPid.Value = current.PersistenceId;
                    _tagSeq.Value = current.SequenceNr;
                    _insertTag.ExecuteNonQuery();
                }
            }
        }

        public void Dispose()
        {
            _insert.Dispose();
            _insertTag.Dispose();
        }

        private void Check(int rc) => SqliteStatement.Check(_connection, rc);
    }
}
