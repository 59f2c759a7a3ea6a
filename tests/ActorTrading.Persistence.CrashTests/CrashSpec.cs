using ActorTrading.Persistence.Postgres;
using ActorTrading.Persistence.Sqlite;
using Xunit.Abstractions;
using ActorPersistence = ActorTrading.Actors.Persistence.Persistence;

namespace ActorTrading.Persistence.CrashTests;

/// <summary>
/// A node process is killed (SIGKILL: no shutdown hook, no flush, no last transaction) in the middle of a
/// burst of atomic writes; then the store is opened again as a restarted node would open it. Each store
/// runs the same specification against its own, fresh data.
/// </summary>
public abstract class CrashSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Entities = 50;
    private const int AcksBeforeKill = 2_000;
    private static readonly TimeSpan BurstLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(15);

    private readonly List<IAsyncDisposable> _stores = [];

    /// <summary>Where the harness writes: <c>--store … --path/--connection …</c>.</summary>
    protected abstract IReadOnlyList<string> StoreArguments { get; }

    public abstract Task InitializeAsync();

    /// <summary>Opens the store in this process, as a restarted node would.</summary>
    protected abstract Task<(IJournal Journal, ISnapshotStore Snapshots)> OpenStoresAsync();

    protected abstract Task DisposeDataAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await DisposeDataAsync();
    }

    [Fact]
    public async Task A_node_killed_in_a_write_burst_restarts_with_every_acknowledged_event_no_partial_write_and_each_entity_at_its_acknowledged_state()
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, Entities).Select(i => PairWriter.PersistenceIdFor(runId, i)).ToArray();
        IReadOnlyList<Ack> acks;
        await using (var harness = HarnessProcess.Start(StoreArguments, Entities, runId, AcksBeforeKill))
        {
            try
            {
                await harness.AckTargetReached.WaitAsync(BurstLimit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the harness printed {harness.AckCount} of {AcksBeforeKill} acknowledgements in {BurstLimit.TotalSeconds} s; its stderr:{Environment.NewLine}{harness.Stderr}");
            }

            var readBeforeKill = harness.AckCount;
            acks = await harness.KillAsync(ExitLimit);
            output.WriteLine($"killed after reading {readBeforeKill} acknowledgements; {acks.Count} were printed before it died");
        }

        acks.Count.ShouldBeGreaterThanOrEqualTo(AcksBeforeKill);
        acks.Select(a => a.PersistenceId).Except(ids).ShouldBeEmpty("acknowledgements name only this run's entities");

        var (journal, snapshots) = await OpenStoresAsync();
        var audit = await JournalAudit.ReadAsync(journal, ids);
        audit.MissingAcknowledged(acks).ShouldBeEmpty();
        audit.WholePairsWithoutGaps().ShouldBeEmpty();
        output.WriteLine($"the journal holds {audit.Events.Values.Sum(e => e.Count) / 2} whole pairs, " +
            $"{audit.Events.Values.Sum(e => e.Count / 2) - acks.Count} of them committed but not yet acknowledged when the process died");

        await using var system = ActorSystem.Create($"restarted-{runId}");
        ActorPersistence.Get(system).Use(journal, snapshots);
        var highestAck = acks.GroupBy(a => a.PersistenceId).ToDictionary(g => g.Key, g => g.Max(a => a.SequenceNr), StringComparer.Ordinal);
        var states = await Task.WhenAll(ids.Select(id =>
            system.ActorOf(Props.Create(() => new RecoveredPairs(id))).Ask<RecoveredState>(GetRecoveredState.Instance, RecoveryLimit)));
        var wrong = new List<string>();
        foreach (var (id, state) in ids.Zip(states))
        {
            var stored = audit.Events[id].Count;
            if (state.Anomalies.Count > 0 || state.OpenPair is not null || state.LastSequenceNr != stored || state.CompletedPairs * 2 != stored)
            {
                wrong.Add($"{id}: recovered {state} from {stored} stored events");
            }

            if (state.CompletedPairs * 2 < highestAck.GetValueOrDefault(id))
            {
                wrong.Add($"{id}: recovered {state.CompletedPairs} pairs, but pair #{highestAck[id] / 2} was acknowledged");
            }
        }

        wrong.ShouldBeEmpty();
    }

    protected void Owns(IAsyncDisposable store) => _stores.Add(store);
}

public sealed class SqliteCrashSpecs(ITestOutputHelper output) : CrashSpec(output)
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actortrading-crash-").FullName;

    private string DatabasePath => Path.Combine(_directory, "journal.db");

    protected override IReadOnlyList<string> StoreArguments => ["--store", "sqlite", "--path", DatabasePath];

    public override Task InitializeAsync() => Task.CompletedTask;

    protected override async Task<(IJournal Journal, ISnapshotStore Snapshots)> OpenStoresAsync()
    {
        var settings = new SqliteStoreSettings { DatabasePath = DatabasePath };
        var journal = await SqliteJournal.OpenAsync(settings, PairSerializer.Create());
        Owns(journal);
        return (journal, await SqliteSnapshotStore.OpenAsync(settings, PairSerializer.Create()));
    }

    protected override Task DisposeDataAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresCrashSpecs(ITestOutputHelper output) : CrashSpec(output)
{
    private TestDatabase? _database;

    private TestDatabase Database => _database ?? throw new InvalidOperationException("the test database was not created");

    protected override IReadOnlyList<string> StoreArguments => ["--store", "postgres", "--connection", Database.ConnectionString];

    public override async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("crash");

    protected override async Task<(IJournal Journal, ISnapshotStore Snapshots)> OpenStoresAsync()
    {
        var settings = new PostgresStoreSettings { ConnectionString = Database.ConnectionString };
        var journal = await PostgresJournal.OpenAsync(settings, PairSerializer.Create());
        Owns(journal);
        var snapshots = await PostgresSnapshotStore.OpenAsync(settings, PairSerializer.Create());
        Owns(snapshots);
        return (journal, snapshots);
    }

    protected override async Task DisposeDataAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
