using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorTrading.Persistence.Projections;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// The baseline of <c>projection-lag</c>: what the operation log costs without the projection framework.
/// Reads the journal in batches of the runner's size with a plain <c>SELECT … WHERE ordering &gt; @last
/// ORDER BY ordering LIMIT @n</c>, deserializes each payload (as the runner does) and writes the same rows
/// into <c>raw_operation_log</c>, a table made from the projection's own DDL, one transaction per batch:
/// binary COPY on PostgreSQL, a prepared INSERT per row on SQLite. No offsets, no head query, no gap-free
/// (transaction id) ordering.
/// <para>
/// With <c>perEventInsert</c> (a diagnostic, not the baseline) the rows are written the way
/// <see cref="OperationLogProjection"/> writes them: one INSERT statement per event through
/// <see cref="ProjectionTransaction.ExecuteAsync"/> (batched into one round trip per batch on PostgreSQL).
/// </para>
/// </summary>
public static class RawProjection
{
    private const string PostgresInsert =
        "INSERT INTO raw_operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) VALUES (@ordering, @at, @pid, @seq, @type, CAST(@details AS jsonb))";

    private const string SqliteInsert =
        "INSERT INTO raw_operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) VALUES (@ordering, @at, @pid, @seq, @type, @details)";

    public static async Task<RawResult> RunAsync(BenchStore store, long maxRows, int batchSize, EventSerializer serializer, bool perEventInsert = false)
    {
        var dialect = store.Kind == StoreKind.Postgres ? ProjectionDialect.Postgres : ProjectionDialect.Sqlite;
        var schema = new OperationLogProjection().Schema(dialect).Replace("operation_log", "raw_operation_log", StringComparison.Ordinal);
        var times = new List<long>();
        long rows = 0;
        long last = 0;
        if (store.Kind == StoreKind.Postgres)
        {
            await using var connection = await store.OpenPostgresAsync();
            await using (var create = new NpgsqlCommand("DROP TABLE IF EXISTS raw_operation_log; " + schema, connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            var start = Stopwatch.GetTimestamp();
            while (rows < maxRows)
            {
                var started = Stopwatch.GetTimestamp();
                var batch = await ReadPostgresAsync(connection, last, (int)Math.Min(batchSize, maxRows - rows), serializer);
                if (batch.Count == 0)
                {
                    break;
                }

                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    if (perEventInsert)
                    {
                        await InsertEachAsync(new ProjectionTransaction(connection, transaction, dialect), PostgresInsert, batch, e => e.At);
                    }
                    else
                    {
                        await CopyAsync(connection, batch);
                    }

                    await transaction.CommitAsync();
                }

                rows += batch.Count;
                last = batch[^1].Ordering;
                times.Add(Stopwatch.GetTimestamp() - started);
            }

            return new RawResult(rows, Stopwatch.GetElapsedTime(start), batchSize, 1, Percentiles.OfTicksAsMilliseconds(times));
        }

        await using var sqlite = await store.OpenSqliteAsync();
        await using (var create = sqlite.CreateCommand())
        {
            create.CommandText = "DROP TABLE IF EXISTS raw_operation_log; " + schema;
            await create.ExecuteNonQueryAsync();
        }

        await using var select = sqlite.CreateCommand();
        select.CommandText = "SELECT ordering, created_at, persistence_id, sequence_nr, manifest, payload FROM event_journal WHERE ordering > $last ORDER BY ordering LIMIT $n";
        var lastParameter = select.Parameters.Add("$last", SqliteType.Integer);
        var limitParameter = select.Parameters.Add("$n", SqliteType.Integer);
        await using var insert = sqlite.CreateCommand();
        insert.CommandText = "INSERT INTO raw_operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) VALUES ($ordering, $at, $pid, $seq, $type, $details)";
        var ordering = insert.Parameters.Add("$ordering", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        var pid = insert.Parameters.Add("$pid", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var details = insert.Parameters.Add("$details", SqliteType.Text);
        var sqliteStart = Stopwatch.GetTimestamp();
        while (rows < maxRows)
        {
            var started = Stopwatch.GetTimestamp();
            var batch = new List<Row>(batchSize);
            lastParameter.Value = last;
            limitParameter.Value = (int)Math.Min(batchSize, maxRows - rows);
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var manifest = reader.GetString(4);
                    var payload = (byte[])reader.GetValue(5);
                    GC.KeepAlive(serializer.Deserialize(manifest, payload));
                    batch.Add(new Row(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetInt64(3), manifest, payload));
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            using (var transaction = sqlite.BeginTransaction(deferred: false))
            {
                if (perEventInsert)
                {
                    await InsertEachAsync(new ProjectionTransaction(sqlite, transaction, dialect), SqliteInsert, batch, e => e.At.ToString("O", CultureInfo.InvariantCulture));
                }
                else
                {
                    insert.Transaction = transaction;
                    foreach (var e in batch)
                    {
                        ordering.Value = e.Ordering;
                        at.Value = e.At.ToString("O", CultureInfo.InvariantCulture);
                        pid.Value = e.Pid;
                        seq.Value = e.SequenceNr;
                        type.Value = e.Manifest;
                        details.Value = Encoding.UTF8.GetString(e.Payload);
                        insert.ExecuteNonQuery();
                    }
                }

                transaction.Commit();
            }

            rows += batch.Count;
            last = batch[^1].Ordering;
            times.Add(Stopwatch.GetTimestamp() - started);
        }

        return new RawResult(rows, Stopwatch.GetElapsedTime(sqliteStart), batchSize, 1, Percentiles.OfTicksAsMilliseconds(times));
    }

    private static async Task<List<Row>> ReadPostgresAsync(NpgsqlConnection connection, long after, int limit, EventSerializer serializer)
    {
        var batch = new List<Row>(limit);
        await using var read = new NpgsqlCommand(
            "SELECT ordering, created_at, persistence_id, sequence_nr, manifest, payload FROM event_journal WHERE ordering > @last ORDER BY ordering LIMIT @n", connection);
        read.Parameters.AddWithValue("last", after);
        read.Parameters.AddWithValue("n", limit);
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var manifest = reader.GetString(4);
            var payload = reader.GetFieldValue<byte[]>(5);
            GC.KeepAlive(serializer.Deserialize(manifest, payload));
            batch.Add(new Row(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetInt64(3), manifest, payload));
        }

        return batch;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, List<Row> batch)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY raw_operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) FROM STDIN (FORMAT BINARY)");
        foreach (var e in batch)
        {
            await import.StartRowAsync();
            await import.WriteAsync(e.Ordering, NpgsqlDbType.Bigint);
            await import.WriteAsync(e.At, NpgsqlDbType.TimestampTz);
            await import.WriteAsync(e.Pid, NpgsqlDbType.Varchar);
            await import.WriteAsync(e.SequenceNr, NpgsqlDbType.Bigint);
            await import.WriteAsync(e.Manifest, NpgsqlDbType.Varchar);
            await import.WriteAsync(Encoding.UTF8.GetString(e.Payload), NpgsqlDbType.Jsonb);
        }

        await import.CompleteAsync();
    }

    /// <summary>One statement per event, given to the transaction exactly as <see cref="OperationLogProjection.ApplyAsync"/> gives it
    /// (batched into one round trip on PostgreSQL, run at once on SQLite), then flushed as the runner does.</summary>
    private static async Task InsertEachAsync(ProjectionTransaction context, string sql, List<Row> batch, Func<Row, object> at)
    {
        foreach (var e in batch)
        {
            await context.ExecuteAsync(
                sql,
                [("ordering", e.Ordering), ("at", at(e)), ("pid", e.Pid), ("seq", e.SequenceNr), ("type", e.Manifest), ("details", Encoding.UTF8.GetString(e.Payload))],
                CancellationToken.None);
        }

        await context.FlushAsync(CancellationToken.None);
    }

    private sealed record Row(long Ordering, DateTimeOffset At, string Pid, long SequenceNr, string Manifest, byte[] Payload);
}
