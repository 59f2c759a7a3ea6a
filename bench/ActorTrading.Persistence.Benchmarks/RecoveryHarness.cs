using System.Diagnostics;
using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;
using ActorPersistence = ActorTrading.Actors.Persistence.Persistence;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// <c>recovery</c>: one entity with 10,000 stored events; the time from <c>ActorOf</c> to its
/// <see cref="RecoveryCompleted"/> without a snapshot (all events replayed) and with a snapshot at
/// 9,990 (snapshot + 10 events). Baseline in the same run: a plain SELECT of the same 10,000 rows on a
/// pooled connection, each payload deserialized and folded (and, for the snapshot case, the snapshot row
/// plus the 10 later rows). The cases alternate in rounds so that a change of load hits all alike.
/// </summary>
public static class RecoveryHarness
{
    public const int DefaultEvents = 10_000;
    public const int DefaultSnapshotAt = 9_990;
    public const int DefaultRuns = 10;
    public const int WarmupRuns = 2;
    public const string PersistenceId = "recovery-entity";
    public const string Account = "account-0001";

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = StoreArgument.Store(args);
        var events = HarnessArguments.Int(args, "--events", DefaultEvents);
        var snapshotAt = HarnessArguments.Int(args, "--snapshot-at", Math.Min(DefaultSnapshotAt, events));
        var runs = HarnessArguments.Int(args, "--runs", DefaultRuns);
        if (snapshotAt > events)
        {
            throw new ArgumentException("--snapshot-at must not be above --events");
        }

        var serializer = BenchSerializer.Create();
        await using var store = await BenchStore.OpenAsync(kind, "recovery", serializer);
        var eventBytes = serializer.Serialize(PositionChanged.For(Account, 12_345)).Payload.Length;
        Console.WriteLine(
            $"recovery --store {JournalThroughputHarness.Name(kind)}: one entity with {events:N0} events ({eventBytes}-byte JSON), snapshot at {snapshotAt:N0}; "
            + $"{runs} runs per case after {WarmupRuns} warm-up runs, cases alternating; {Environment.ProcessorCount} processors");
        Console.WriteLine($"store: {store.Details}");

        var expected = await WriteHistoryAsync(store, events, snapshotAt);
        var system = ActorSystem.Create("recovery");
        ActorPersistence.Get(system).Use(store.Stores.Journal, store.Stores.SnapshotStore);
        try
        {
            var cases = new (string Name, Func<Task<PositionSnapshot>> Run)[]
            {
                ($"raw: SELECT {events:N0} rows + deserialize", () => RawReadAsync(store, serializer, useSnapshot: false)),
                ($"recovery without snapshot ({events:N0} events)", () => RecoverAsync(system, useSnapshot: false)),
                ($"raw: snapshot row + {events - snapshotAt:N0} rows + deserialize", () => RawReadAsync(store, serializer, useSnapshot: true)),
                ($"recovery with snapshot at {snapshotAt:N0} ({events - snapshotAt:N0} events)", () => RecoverAsync(system, useSnapshot: true)),
            };
            var samples = cases.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < WarmupRuns + runs; round++)
            {
                for (var i = 0; i < cases.Length; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    var state = await cases[i].Run();
                    var elapsed = Stopwatch.GetElapsedTime(start);
                    if (state != expected)
                    {
                        throw new InvalidOperationException($"{cases[i].Name} rebuilt {state}, expected {expected}");
                    }

                    if (round >= WarmupRuns)
                    {
                        samples[i].Add(elapsed.TotalMilliseconds);
                    }
                }
            }

            var stats = samples.Select(Percentiles.Of).ToArray();
            Console.WriteLine();
            Console.WriteLine($"{"case",-52}{"median",10}{"min",10}{"p90",10}{"max",10}   vs baseline");
            for (var i = 0; i < cases.Length; i++)
            {
                var comparison = i switch
                {
                    1 => $"{stats[1].At(0.5) / stats[0].At(0.5):F2}x raw read of {events:N0}",
                    3 => $"{stats[3].At(0.5) / stats[2].At(0.5):F2}x raw snapshot read; {stats[3].At(0.5) / stats[0].At(0.5):F3}x raw read of {events:N0}",
                    _ => "",
                };
                Console.WriteLine(
                    $"{cases[i].Name,-52}{stats[i].At(0.5),7:F2} ms{stats[i].At(0),7:F2} ms{stats[i].At(0.9),7:F2} ms{stats[i].Max,7:F2} ms   {comparison}");
            }

            Console.WriteLine();
            Console.WriteLine(
                $"result: recovery {JournalThroughputHarness.Name(kind)}, {events:N0} events: without snapshot {stats[1].At(0.5):F1} ms vs raw read {stats[0].At(0.5):F1} ms = ratio {stats[1].At(0.5) / stats[0].At(0.5):F2} "
                + $"({events / (stats[1].At(0.5) / 1000):N0} vs {events / (stats[0].At(0.5) / 1000):N0} events/s); "
                + $"with snapshot at {snapshotAt:N0} {stats[3].At(0.5):F1} ms vs raw snapshot read {stats[2].At(0.5):F1} ms = ratio {stats[3].At(0.5) / stats[2].At(0.5):F2}");
            return 0;
        }
        finally
        {
            await system.Terminate().WaitAsync(s_stuckAfter);
        }
    }

    /// <summary>Stores the entity's history through the journal (atomic writes of 1,000) and a snapshot; returns the final state.</summary>
    private static async Task<PositionSnapshot> WriteHistoryAsync(BenchStore store, int events, int snapshotAt)
    {
        var writer = Guid.NewGuid().ToString("N");
        var tags = new HashSet<string>();
        var state = new PositionSnapshot(0, 0, 0);
        for (var from = 1; from <= events; from += 1_000)
        {
            var to = Math.Min(events, from + 999);
            var write = new AtomicWrite([.. Enumerable.Range(from, to - from + 1)
                .Select(seq => new Persistent(PositionChanged.For(Account, seq), PersistenceId, seq, writer, DateTimeOffset.UtcNow, tags))]);
            var results = await store.Stores.Journal.WriteMessagesAsync([write]);
            if (results[0] is { } error)
            {
                throw new InvalidOperationException($"writing the history failed: {error.Message}", error);
            }

            for (var seq = from; seq <= to; seq++)
            {
                state = Apply(state, PositionChanged.For(Account, seq));
                if (seq == snapshotAt)
                {
                    await store.Stores.SnapshotStore.SaveAsync(new SnapshotMetadata(PersistenceId, seq, DateTimeOffset.UtcNow), state);
                }
            }
        }

        return state;
    }

    private static PositionSnapshot Apply(PositionSnapshot state, PositionChanged changed) =>
        new(state.Events + 1, state.NetQuantity + changed.SignedQuantity, changed.Sequence);

    private static async Task<PositionSnapshot> RecoverAsync(ActorSystem system, bool useSnapshot)
    {
        var recovered = new TaskCompletionSource<PositionSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entity = system.ActorOf(Props.Create(() => new RecoveringEntity(PersistenceId, useSnapshot, recovered)));
        try
        {
            return await recovered.Task.WaitAsync(s_stuckAfter);
        }
        finally
        {
            system.Stop(entity);
        }
    }

    private static async Task<PositionSnapshot> RawReadAsync(BenchStore store, EventSerializer serializer, bool useSnapshot)
    {
        var state = new PositionSnapshot(0, 0, 0);
        if (store.Kind == StoreKind.Postgres)
        {
            await using var connection = await store.OpenPostgresAsync();
            if (useSnapshot)
            {
                await using var snapshot = new NpgsqlCommand(
                    "SELECT manifest, payload FROM snapshot_store WHERE persistence_id = @pid ORDER BY sequence_nr DESC LIMIT 1", connection);
                snapshot.Parameters.AddWithValue("pid", PersistenceId);
                await using var reader = await snapshot.ExecuteReaderAsync();
                if (await reader.ReadAsync())
                {
                    state = (PositionSnapshot)serializer.Deserialize(reader.GetString(0), reader.GetFieldValue<byte[]>(1));
                }
            }

            await using var command = new NpgsqlCommand(
                "SELECT sequence_nr, created_at, manifest, payload, writer_uuid FROM event_journal WHERE persistence_id = @pid AND sequence_nr > @from ORDER BY sequence_nr",
                connection);
            command.Parameters.AddWithValue("pid", PersistenceId);
            command.Parameters.AddWithValue("from", state.LastSequence);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                _ = rows.GetInt64(0);
                _ = rows.GetFieldValue<DateTimeOffset>(1);
                _ = rows.GetString(4);
                state = Apply(state, (PositionChanged)serializer.Deserialize(rows.GetString(2), rows.GetFieldValue<byte[]>(3)));
            }

            return state;
        }

        await using var sqlite = await store.OpenSqliteAsync();
        if (useSnapshot)
        {
            await using var snapshot = sqlite.CreateCommand();
            snapshot.CommandText = "SELECT manifest, payload FROM snapshot_store WHERE persistence_id = $pid ORDER BY sequence_nr DESC LIMIT 1";
            snapshot.Parameters.AddWithValue("$pid", PersistenceId);
            await using var reader = await snapshot.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                state = (PositionSnapshot)serializer.Deserialize(reader.GetString(0), (byte[])reader.GetValue(1));
            }
        }

        await using var select = sqlite.CreateCommand();
        select.CommandText = "SELECT sequence_nr, created_at, manifest, payload, writer_uuid FROM event_journal WHERE persistence_id = $pid AND sequence_nr > $from ORDER BY sequence_nr";
        select.Parameters.AddWithValue("$pid", PersistenceId);
        select.Parameters.AddWithValue("$from", state.LastSequence);
        await using var sqliteRows = await select.ExecuteReaderAsync();
        while (await sqliteRows.ReadAsync())
        {
            _ = sqliteRows.GetInt64(0);
            _ = sqliteRows.GetInt64(1);
            _ = sqliteRows.GetString(4);
            state = Apply(state, (PositionChanged)serializer.Deserialize(sqliteRows.GetString(2), (byte[])sqliteRows.GetValue(3)));
        }

        return state;
    }

    /// <summary>Rebuilds the position from a snapshot (or not) and the events after it; reports the state on <see cref="RecoveryCompleted"/>.</summary>
    private sealed class RecoveringEntity : ReceivePersistentActor
    {
        private readonly Recovery _recovery;
        private readonly TaskCompletionSource<PositionSnapshot> _recovered;
        private PositionSnapshot _state = new(0, 0, 0);

        public RecoveringEntity(string persistenceId, bool useSnapshot, TaskCompletionSource<PositionSnapshot> recovered)
        {
            PersistenceId = persistenceId;
            _recovered = recovered;
            _recovery = useSnapshot ? Recovery.Default : new Recovery(SnapshotSelectionCriteria.None);
            Recover<SnapshotOffer>(offer => _state = (PositionSnapshot)offer.Snapshot);
            Recover<PositionChanged>(changed => _state = Apply(_state, changed));
            Recover<RecoveryCompleted>(_ => recovered.TrySetResult(_state));
        }

        public override string PersistenceId { get; }

        protected override Recovery Recovery => _recovery;

        protected override void OnRecoveryFailure(Exception cause, object? @event)
        {
            base.OnRecoveryFailure(cause, @event);
            _recovered.TrySetException(cause);
        }
    }
}
