using System.Diagnostics;
using ActorTrading.Persistence.Projections;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// <c>projection-lag</c>: the load of <c>journal-throughput</c> runs while a <see cref="ProjectionRunner"/>
/// with the <see cref="OperationLogProjection"/> (default settings) keeps the operation log. Every 100 ms
/// of the measured window the harness samples how many events the entities have had acknowledged but
/// the projection has not applied yet, and the runner's <see cref="ProjectionStatus.TimeLag"/>; after the
/// load stops it waits (at most <c>--catch-up-s</c>) until the projection has applied every event.
/// Baseline in the same run: <see cref="RawProjection"/> over the same journal rows.
/// </summary>
public static class ProjectionLagHarness
{
    public const int DefaultCatchUpSeconds = 30;

    /// <summary>Rows of the per-event-INSERT diagnostic: enough for a steady rate, few enough to stay short.</summary>
    public const int PerEventDiagnosticRows = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var options = LoadOptions.From(args);
        var catchUpLimit = TimeSpan.FromSeconds(HarnessArguments.Int(args, "--catch-up-s", DefaultCatchUpSeconds));
        var serializer = BenchSerializer.Create();
        await using var store = await BenchStore.OpenAsync(kind, "projection", serializer);
        var settings = new ProjectionSettings();
        Console.WriteLine(
            $"projection-lag --store {JournalThroughputHarness.Name(kind)}: operation_log projection (batch {settings.BatchSize}, poll {settings.PollInterval.TotalSeconds:N0} s) "
            + $"under {options.Entities:N0} persisting entities, {options.Warmup.TotalSeconds:N0} s warm-up + {options.Duration.TotalSeconds:N0} s measured, "
            + $"sampled every {LoadRun.SampleInterval.TotalMilliseconds:N0} ms; catch-up limit {catchUpLimit.TotalSeconds:N0} s; {Environment.ProcessorCount} processors");
        Console.WriteLine($"store: {store.Details}");

        var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), store.Stores.ProjectionStore, settings);
        var behind = new List<double>();
        var timeLags = new List<double>();
        (long At, long Applied)? first = null;
        (long At, long Applied) last = default;
        LoadResult load;
        var caughtUp = false;
        TimeSpan catchUp;
        long backlog;
        long remaining;
        long total;
        try
        {
            load = await LoadRun.RunAsync(store, options, control =>
            {
                var acknowledged = control.TotalPersisted();
                var status = runner.Status;
                behind.Add(Math.Max(0, acknowledged - status.EventsApplied));
                if (status.TimeLag is { } lag)
                {
                    timeLags.Add(lag.TotalMilliseconds);
                }

                last = (Stopwatch.GetTimestamp(), status.EventsApplied);
                first ??= last;
            });

            // Every entity is idle: everything acknowledged is committed.
            total = load.TotalEvents;
            var stopped = Stopwatch.GetTimestamp();
            backlog = Math.Max(0, total - runner.Status.EventsApplied);
            while (Stopwatch.GetElapsedTime(stopped) < catchUpLimit)
            {
                if (runner.Status.EventsApplied >= total)
                {
                    caughtUp = true;
                    break;
                }

                await Task.Delay(LoadRun.SampleInterval);
            }

            catchUp = Stopwatch.GetElapsedTime(stopped);
            remaining = Math.Max(0, total - runner.Status.EventsApplied);
        }
        finally
        {
            await runner.DisposeAsync();
        }

        var (journalRows, logRows) = await CountRowsAsync(store);
        var windowRate = first is { } f && last.At > f.At ? (last.Applied - f.Applied) / Stopwatch.GetElapsedTime(f.At, last.At).TotalSeconds : 0;
        var raw = await RawProjection.RunAsync(store, journalRows, settings.BatchSize, serializer);

        // Diagnostic: the same reads, but the rows written one INSERT per event as OperationLogProjection does (capped).
        var perEvent = await RawProjection.RunAsync(store, Math.Min(journalRows, PerEventDiagnosticRows), settings.BatchSize, serializer, perEventInsert: true);

        var behindStats = Percentiles.Of(behind);
        var lagStats = Percentiles.Of(timeLags);
        Console.WriteLine();
        Console.WriteLine(
            $"load:        {load.EventsPerSecond,10:N0} events/s written ({load.Events:N0} in {load.Elapsed.TotalSeconds:F2} s; persist latency p50 {load.Latency.At(0.5):F1} ms, "
            + $"p99 {load.Latency.At(0.99):F1} ms; {load.Failures} entities failed)");
        Console.WriteLine($"projection:  {windowRate,10:N0} events/s applied in the same window ({windowRate / load.EventsPerSecond:F3} of the write rate)");
        Console.WriteLine($"lag, events acknowledged but not yet applied: {behindStats.Describe("events", "N0")}");
        Console.WriteLine($"lag, Status.TimeLag (age of the last applied event when applied): {lagStats.Describe("ms", "F0")}");
        var catchUpRate = catchUp.TotalSeconds > 0 ? (backlog - remaining) / catchUp.TotalSeconds : 0;
        Console.WriteLine(
            caughtUp
                ? $"after the load: caught up in {catchUp.TotalSeconds:F2} s (backlog {backlog:N0} events at stop, applied at {catchUpRate:N0} events/s)"
                : $"after the load: NOT caught up within {catchUpLimit.TotalSeconds:N0} s (backlog {backlog:N0} events at stop, {remaining:N0} still behind; "
                  + $"applied at {catchUpRate:N0} events/s, so about {(catchUpRate > 0 ? backlog / catchUpRate : double.PositiveInfinity):N0} s in all)");
        Console.WriteLine($"rows: event_journal {journalRows:N0}, operation_log {logRows:N0}{(journalRows == logRows ? "" : "  MISMATCH")}");
        var rawName = kind == StoreKind.Postgres ? "SELECT + COPY" : "SELECT + prepared INSERT";
        Console.WriteLine(
            $"raw {rawName}: {raw.RowsPerSecond,10:N0} rows/s ({raw.Rows:N0} rows in {raw.Elapsed.TotalSeconds:F2} s, batches of {raw.BatchSize}; batch {raw.BatchTimes.Describe("ms")})");
        Console.WriteLine(
            $"diagnostic: the same reads with one INSERT command per event, as OperationLogProjection writes: {perEvent.RowsPerSecond:N0} rows/s "
            + $"({perEvent.Rows:N0} rows in {perEvent.Elapsed.TotalSeconds:F2} s; batch {perEvent.BatchTimes.Describe("ms")}); that / raw = {perEvent.RowsPerSecond / raw.RowsPerSecond:F3}");
        // With a backlog the projection runs flat out after the load: that rate is its capacity. Without one it kept up,
        // and its rate in the window is only the write rate.
        var hadBacklog = backlog >= settings.BatchSize;
        var capacity = hadBacklog ? catchUpRate : windowRate;
        var capacityName = hadBacklog ? "catch-up rate" : "rate in the window (no backlog: it kept up, so this is the write rate, not its limit)";
        Console.WriteLine();
        Console.WriteLine(
            $"result: projection-lag {JournalThroughputHarness.Name(kind)}: behind p50 {behindStats.At(0.5):N0} / p99 {behindStats.At(0.99):N0} / max {behindStats.Max:N0} events, "
            + $"TimeLag p50 {lagStats.At(0.5):F0} / p99 {lagStats.At(0.99):F0} / max {lagStats.Max:F0} ms at {load.EventsPerSecond:N0} events/s written, "
            + $"{windowRate:N0} events/s applied meanwhile ({windowRate / load.EventsPerSecond:F3} of the write rate); "
            + (caughtUp ? $"caught up {catchUp.TotalSeconds:F1} s after the load stopped" : $"NOT caught up within {catchUpLimit.TotalSeconds:N0} s")
            + $"; projection {capacityName} {capacity:N0} events/s vs raw {raw.RowsPerSecond:N0} rows/s = ratio {capacity / raw.RowsPerSecond:F3}");
        return caughtUp && journalRows == logRows && load.Failures == 0 ? 0 : 1;
    }

    private static async Task<(long Journal, long Log)> CountRowsAsync(BenchStore store)
    {
        const string Sql = "SELECT (SELECT COUNT(*) FROM event_journal), (SELECT COUNT(*) FROM operation_log)";
        if (store.Kind == StoreKind.Postgres)
        {
            await using var connection = await store.OpenPostgresAsync();
            await using var command = new NpgsqlCommand(Sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        await using var sqlite = await store.OpenSqliteAsync();
        await using var count = sqlite.CreateCommand();
        count.CommandText = Sql;
        await using var rows = await count.ExecuteReaderAsync();
        await rows.ReadAsync();
        return (rows.GetInt64(0), rows.GetInt64(1));
    }
}
