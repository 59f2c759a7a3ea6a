using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// The baseline of <c>journal-throughput</c>: the same number of equivalent rows (the load's entities'
/// persistence ids and sequence numbers, the same ~100-byte JSON payloads, manifest and writer id)
/// written straight into <c>raw_event_journal</c>, a table identical to <c>event_journal</c> (same
/// columns, defaults, identity, unique key and indexes) in the same database, in batches of the size
/// the journal's group commit averaged, one transaction per batch, on as many connections as the
/// journal has writers. PostgreSQL: binary COPY (<see cref="NpgsqlConnection.BeginBinaryImportAsync"/>);
/// SQLite: a prepared INSERT executed once per row. No actors, no serialization (payloads are made
/// beforehand), no group-commit queue, no conflict handling.
/// <para>
/// <see cref="RawShape.JournalStatements"/> is a diagnostic, not the baseline: the same rows written with
/// the statements the journal itself issues (PostgreSQL: <c>INSERT … SELECT FROM unnest(…) ON CONFLICT DO
/// NOTHING RETURNING</c>; SQLite: a savepoint per write around <c>INSERT … RETURNING ordering</c>), so
/// that the journal's cost splits into "its SQL" and "everything around it" (actors, queue, serialization).
/// </para>
/// </summary>
public static class RawJournalWriter
{
    private const int DistinctPayloads = 997;

    public static async Task<RawResult> RunAsync(BenchStore store, long rows, int batchSize, int writers, int entities, EventSerializer serializer, RawShape shape = RawShape.Bulk)
    {
        var payloads = Enumerable.Range(1, DistinctPayloads)
            .Select(i => serializer.Serialize(PositionChanged.For($"account-{i % entities:D4}", i)).Payload)
            .ToArray();
        var pids = Enumerable.Range(0, entities).Select(LoadEntity.PersistenceIdFor).ToArray();
        var rowSource = new RowSource(rows, batchSize, pids, payloads);
        var times = new ConcurrentBag<long>();
        if (store.Kind == StoreKind.Postgres)
        {
            await using (var connection = await store.OpenPostgresAsync())
            {
                await using var create = new NpgsqlCommand(
                    "DROP TABLE IF EXISTS raw_event_journal; CREATE TABLE raw_event_journal (LIKE event_journal INCLUDING ALL)", connection);
                await create.ExecuteNonQueryAsync();
            }

            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => shape == RawShape.Bulk
                ? CopyLoopAsync(store, rowSource, times)
                : UnnestLoopAsync(store, rowSource, times))));
            return new RawResult(rows, Stopwatch.GetElapsedTime(start), batchSize, writers, Percentiles.OfTicksAsMilliseconds(times));
        }

        await using (var connection = await store.OpenSqliteAsync())
        {
            await using var ddl = connection.CreateCommand();
            ddl.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'";
            var journalTable = (string)(await ddl.ExecuteScalarAsync())!;
            await using var create = connection.CreateCommand();
            create.CommandText = "DROP TABLE IF EXISTS raw_event_journal; " + journalTable.Replace("event_journal", "raw_event_journal", StringComparison.Ordinal);
            await create.ExecuteNonQueryAsync();
        }

        var sqliteStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => shape == RawShape.Bulk
            ? InsertLoopAsync(store, rowSource, times)
            : SavepointLoopAsync(store, rowSource, times))));
        return new RawResult(rows, Stopwatch.GetElapsedTime(sqliteStart), batchSize, writers, Percentiles.OfTicksAsMilliseconds(times));
    }

    private static async Task CopyLoopAsync(BenchStore store, RowSource source, ConcurrentBag<long> times)
    {
        var writerUuid = Guid.NewGuid().ToString("N");
        await using var connection = await store.OpenPostgresAsync();
        while (source.TryTake(out var first, out var count))
        {
            var started = Stopwatch.GetTimestamp();
            var now = DateTimeOffset.UtcNow;
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var import = await connection.BeginBinaryImportAsync(
                "COPY raw_event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid) FROM STDIN (FORMAT BINARY)"))
            {
                for (var row = first; row < first + count; row++)
                {
                    var (pid, sequenceNr, payload) = source.Row(row);
                    await import.StartRowAsync();
                    await import.WriteAsync(pid, NpgsqlDbType.Varchar);
                    await import.WriteAsync(sequenceNr, NpgsqlDbType.Bigint);
                    await import.WriteAsync(now, NpgsqlDbType.TimestampTz);
                    await import.WriteAsync(BenchSerializer.EventManifest, NpgsqlDbType.Varchar);
                    await import.WriteAsync(payload, NpgsqlDbType.Bytea);
                    await import.WriteAsync(writerUuid, NpgsqlDbType.Text);
                }

                await import.CompleteAsync();
            }

            await transaction.CommitAsync();
            times.Add(Stopwatch.GetTimestamp() - started);
        }
    }

    private static async Task InsertLoopAsync(BenchStore store, RowSource source, ConcurrentBag<long> times)
    {
        var writerUuid = Guid.NewGuid().ToString("N");
        await using var connection = await store.OpenSqliteAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO raw_event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
            VALUES ($pid, $seq, $at, $manifest, $payload, $writer)
            """;
        var pid = insert.Parameters.Add("$pid", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        var writer = insert.Parameters.Add("$writer", SqliteType.Text);
        manifest.Value = BenchSerializer.EventManifest;
        writer.Value = writerUuid;
        while (source.TryTake(out var first, out var count))
        {
            var started = Stopwatch.GetTimestamp();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            using var transaction = connection.BeginTransaction(deferred: false);
            insert.Transaction = transaction;
            for (var row = first; row < first + count; row++)
            {
                var (rowPid, sequenceNr, rowPayload) = source.Row(row);
                pid.Value = rowPid;
                seq.Value = sequenceNr;
                at.Value = now;
                payload.Value = rowPayload;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            times.Add(Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>PostgreSQL, the journal's statement: one <c>INSERT … SELECT FROM unnest(…)</c> per batch, reading what it returns.</summary>
    private static async Task UnnestLoopAsync(BenchStore store, RowSource source, ConcurrentBag<long> times)
    {
        var writerUuid = Guid.NewGuid().ToString("N");
        await using var connection = await store.OpenPostgresAsync();
        while (source.TryTake(out var first, out var count))
        {
            var started = Stopwatch.GetTimestamp();
            var now = DateTimeOffset.UtcNow;
            var pids = new string[count];
            var seqs = new long[count];
            var ats = new DateTimeOffset[count];
            var manifests = new string[count];
            var payloads = new byte[count][];
            var writers = new string[count];
            for (var i = 0; i < count; i++)
            {
                (pids[i], seqs[i], payloads[i]) = source.Row(first + i);
                ats[i] = now;
                manifests[i] = BenchSerializer.EventManifest;
                writers[i] = writerUuid;
            }

            await using var transaction = await connection.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO raw_event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
                SELECT * FROM unnest(@pids, @seqs, @ats, @manifests, @payloads, @writers)
                ON CONFLICT (persistence_id, sequence_nr) DO NOTHING
                RETURNING ordering, persistence_id, sequence_nr
                """, connection, transaction))
            {
                insert.Parameters.Add(new NpgsqlParameter<string[]>("pids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = pids });
                insert.Parameters.Add(new NpgsqlParameter<long[]>("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seqs });
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = ats });
                insert.Parameters.Add(new NpgsqlParameter<string[]>("manifests", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { TypedValue = manifests });
                insert.Parameters.Add(new NpgsqlParameter<byte[][]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = payloads });
                insert.Parameters.Add(new NpgsqlParameter<string[]>("writers", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = writers });
                await using var reader = await insert.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    _ = reader.GetInt64(0);
                    _ = reader.GetString(1);
                    _ = reader.GetInt64(2);
                }
            }

            await transaction.CommitAsync();
            times.Add(Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>SQLite, the journal's statements: a savepoint per write (one event each here) around <c>INSERT … RETURNING ordering</c>.</summary>
    private static async Task SavepointLoopAsync(BenchStore store, RowSource source, ConcurrentBag<long> times)
    {
        var writerUuid = Guid.NewGuid().ToString("N");
        await using var connection = await store.OpenSqliteAsync();
        while (source.TryTake(out var first, out var count))
        {
            var started = Stopwatch.GetTimestamp();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO raw_event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
                VALUES ($pid, $seq, $at, $manifest, $payload, $writer)
                RETURNING ordering
                """;
            var pid = insert.Parameters.Add("$pid", SqliteType.Text);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var at = insert.Parameters.Add("$at", SqliteType.Integer);
            var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
            var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
            var writer = insert.Parameters.Add("$writer", SqliteType.Text);
            for (var row = first; row < first + count; row++)
            {
                var (rowPid, sequenceNr, rowPayload) = source.Row(row);
                await transaction.SaveAsync("write");
                pid.Value = rowPid;
                seq.Value = sequenceNr;
                at.Value = now;
                manifest.Value = BenchSerializer.EventManifest;
                payload.Value = rowPayload;
                writer.Value = writerUuid;
                _ = (long)(await insert.ExecuteScalarAsync())!;
                await transaction.ReleaseAsync("write");
            }

            await transaction.CommitAsync();
            times.Add(Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>Hands out batches of row numbers; row r is event r / entities + 1 of entity r % entities.</summary>
    private sealed class RowSource(long rows, int batchSize, string[] pids, byte[][] payloads)
    {
        private long _next;

        public bool TryTake(out long first, out int count)
        {
            first = Interlocked.Add(ref _next, batchSize) - batchSize;
            count = (int)Math.Max(0, Math.Min(batchSize, rows - first));
            return count > 0;
        }

        public (string Pid, long SequenceNr, byte[] Payload) Row(long row) =>
            (pids[row % pids.Length], (row / pids.Length) + 1, payloads[row % payloads.Length]);
    }
}

/// <summary>How a raw writer writes its rows.</summary>
public enum RawShape
{
    /// <summary>The baseline: binary COPY (PostgreSQL) or a prepared INSERT per row (SQLite).</summary>
    Bulk,

    /// <summary>Diagnostic: the statements the journal issues, without anything around them.</summary>
    JournalStatements,
}
