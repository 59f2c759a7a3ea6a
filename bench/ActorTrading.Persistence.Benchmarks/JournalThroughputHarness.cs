namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// <c>journal-throughput</c>: 1,000 <see cref="LoadEntity"/>s persisting concurrently through the real
/// store for a fixed time after a warm-up; events per second and the latency of each persist
/// (command → handler). Baseline in the same run: <see cref="RawJournalWriter"/> writes as many rows
/// as the journal wrote in its window, in batches of the journal's average size.
/// </summary>
public static class JournalThroughputHarness
{
    /// <summary>The issue's aim on PostgreSQL, on these 2-core machines.</summary>
    public const int PostgresAimEventsPerSecond = 50_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var options = LoadOptions.From(args);
        var serializer = BenchSerializer.Create();
        await using var store = await BenchStore.OpenAsync(kind, "journal", serializer);
        var eventBytes = serializer.Serialize(PositionChanged.For("account-0042", 12_345)).Payload.Length;
        Console.WriteLine(
            $"journal-throughput --store {Name(kind)}: {options.Entities:N0} entities (ReceivePersistentActor, Persist, one {eventBytes}-byte JSON event per command, "
            + $"next command after the handler), {options.Warmup.TotalSeconds:N0} s warm-up + {options.Duration.TotalSeconds:N0} s measured; "
            + $"{Environment.ProcessorCount} processors");
        Console.WriteLine($"store: {store.Details}");

        var load = await LoadRun.RunAsync(store, options);
        Console.WriteLine();
        Console.WriteLine(
            $"journal:   {load.EventsPerSecond,10:N0} events/s  ({load.Events:N0} events in {load.Elapsed.TotalSeconds:F2} s; "
            + $"{load.Batches:N0} transactions, {load.EventsPerBatch:N0} events per transaction on average; {load.Failures} entities failed)");
        Console.WriteLine($"           persist latency, command -> handler: {load.Latency.Describe("ms")}");

        var batchSize = Math.Max(1, (int)Math.Round(load.EventsPerBatch));
        var raw = await RawJournalWriter.RunAsync(store, load.Events, batchSize, store.JournalWriters, options.Entities, serializer);
        var rawName = kind == StoreKind.Postgres ? "raw COPY:" : "raw insert:";
        Console.WriteLine(
            $"{rawName,-11}{raw.RowsPerSecond,10:N0} rows/s    ({raw.Rows:N0} rows in {raw.Elapsed.TotalSeconds:F2} s; batches of {raw.BatchSize:N0} on {raw.Writers} connection(s), "
            + "one transaction each)");
        Console.WriteLine($"           transaction time: {raw.BatchTimes.Describe("ms")}");

        // Diagnostic: the journal's own statements on the same rows, without actors, queue or serialization.
        var shaped = await RawJournalWriter.RunAsync(store, load.Events, batchSize, store.JournalWriters, options.Entities, serializer, RawShape.JournalStatements);
        var shapedName = kind == StoreKind.Postgres
            ? "INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING, one per transaction"
            : "SAVEPOINT + INSERT ... RETURNING + RELEASE per write";
        Console.WriteLine(
            $"diagnostic: the journal's statements alone on the same rows and batches ({shapedName}): {shaped.RowsPerSecond:N0} rows/s ({shaped.Elapsed.TotalSeconds:F2} s; "
            + $"transaction {shaped.BatchTimes.Describe("ms")}); journal / that = {load.EventsPerSecond / shaped.RowsPerSecond:F3}, that / raw = {shaped.RowsPerSecond / raw.RowsPerSecond:F3}");
        Console.WriteLine();

        var ratio = load.EventsPerSecond / raw.RowsPerSecond;
        Console.WriteLine(
            $"result: journal-throughput {Name(kind)}, {options.Entities:N0} entities: {load.EventsPerSecond:N0} events/s vs raw {raw.RowsPerSecond:N0} rows/s = ratio {ratio:F3}; "
            + $"persist latency p50 {load.Latency.At(0.50):F1} ms, p99 {load.Latency.At(0.99):F1} ms; {load.EventsPerBatch:N0} events per transaction");
        if (kind == StoreKind.Postgres)
        {
            Console.WriteLine(
                $"aim: {PostgresAimEventsPerSecond:N0} events/s on PostgreSQL; measured {load.EventsPerSecond:N0}: "
                + (load.EventsPerSecond >= PostgresAimEventsPerSecond ? "met" : "NOT met"));
        }

        return load.Failures == 0 ? 0 : 1;
    }

    public static string Name(StoreKind kind) => kind == StoreKind.Postgres ? "postgres" : "sqlite";
}
