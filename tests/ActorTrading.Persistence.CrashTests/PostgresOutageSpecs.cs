using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using ActorTrading.Persistence.Postgres;
using Npgsql;
using Xunit.Abstractions;
using ActorPersistence = ActorTrading.Actors.Persistence.Persistence;

namespace ActorTrading.Persistence.CrashTests;

/// <summary>
/// PostgreSQL stops and starts again under load. The test runs its own server (<see cref="DedicatedPostgres"/>):
/// stopping the run's shared server would fail the tests of other projects running at the same time.
/// </summary>
public sealed class PostgresOutageSpecs(ITestOutputHelper output)
{
    private const int Entities = 50;
    private const int PersistFailed = 1102;
    private const int RecoveryFailed = 1101;
    private const int BackoffRestart = 1009;
    private static readonly TimeSpan PhaseLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task During_a_database_outage_writes_fail_with_a_connection_error_and_entities_back_off_then_recover_without_losing_an_acknowledged_event()
    {
        await using var server = await DedicatedPostgres.CreateAsync();
        var settings = new PostgresStoreSettings { ConnectionString = server.ConnectionString };
        var journal = await PostgresJournal.OpenAsync(settings, PairSerializer.Create());
        await using var snapshots = await PostgresSnapshotStore.OpenAsync(settings, PairSerializer.Create());
        var runId = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, Entities).Select(i => PairWriter.PersistenceIdFor(runId, i)).ToArray();
        var acks = new RecordingAcks();
        var logs = new ConcurrentQueue<LogEvent>();
        using var stopLoad = new CancellationTokenSource();

        var system = ActorSystem.Create($"outage-{runId}");
        try
        {
            system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new LogCollector(logs)), "logs"), typeof(LogEvent));
            ActorPersistence.Get(system).Use(journal, snapshots);
            foreach (var id in ids)
            {
                // As entities are wrapped: a failed write stops the entity, and its supervisor starts a new one later.
                var entity = Props.Create(() => new PairWriter(id, acks, stopLoad.Token));
                system.ActorOf(BackoffSupervisor.Props(BackoffOptions.OnStop(entity, "entity", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0.2)), id);
            }

            await Eventually.HoldsAsync(() => ids.All(id => acks.HighestFor(id) >= 4), "every entity to acknowledge two pairs", PhaseLimit, Describe);
            Logged(logs, PersistFailed).ShouldBeEmpty("no write fails while the database is up");

            // --- the database goes down -------------------------------------------------------------
            var outage = Stopwatch.StartNew();
            await server.StopAsync();
            output.WriteLine($"server stopped after {acks.Count} acknowledged pairs ({outage.ElapsedMilliseconds} ms)");
            await Eventually.HoldsAsync(() => ids.All(id => Logged(logs, PersistFailed, id).Any()), "every entity to fail a write", PhaseLimit, Describe);
            output.WriteLine($"every entity failed a write after {outage.ElapsedMilliseconds} ms");

            // Each has stopped on its failed write, and no new incarnation can recover without the database:
            // from here on nothing can be acknowledged until it is back.
            var acknowledgedBeforeTheOutage = acks.Count;
            await Eventually.HoldsAsync(() => ids.All(id => Logged(logs, RecoveryFailed, id).Count() >= 2),
                "every entity to be restarted by its supervisor and to fail recovery twice while the database is down", PhaseLimit, Describe);
            acks.Count.ShouldBe(acknowledgedBeforeTheOutage, "no write is acknowledged while the database is down");

            // The entities now fail before they write (recovery needs the database), so one write is tried directly.
            var probe = new Persistent(new FirstHalf(1), $"probe-{runId}", 1, "probe", DateTimeOffset.UtcNow, new HashSet<string>());
            var writeWhileDown = await Should.ThrowAsync<Exception>(() => journal.WriteMessagesAsync([new AtomicWrite([probe])]));
            IsConnectionError(writeWhileDown).ShouldBeTrue($"a write while the database is down fails with a connection error, not {writeWhileDown}");
            output.WriteLine($"a write while the database is down: {writeWhileDown.GetType().Name}: {writeWhileDown.Message} ({writeWhileDown.InnerException?.Message})");

            var failures = Logged(logs, PersistFailed).Concat(Logged(logs, RecoveryFailed)).ToList();
            foreach (var kind in failures.GroupBy(e => $"{e.EventId.Id} {e.Exception?.GetType().Name} ({e.Exception?.InnerException?.GetType().Name}): {e.Exception?.Message}"))
            {
                output.WriteLine($"{kind.Count(),4} × {kind.Key}");
            }

            failures.Where(e => !IsConnectionError(e.Exception)).Select(e => $"{e.Message}: {e.Exception}").ShouldBeEmpty(
                "while the database is down, writes and recoveries fail with a connection error");
            failures.Any(e => e.Exception is JournalUnavailableException { InnerException: NpgsqlException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } })
                .ShouldBeTrue("a connection attempt to the stopped server is refused");
            ids.Where(id => !Logged(logs, BackoffRestart).Any(e => e.Message.Contains($"/{id}:", StringComparison.Ordinal) && !e.Message.EndsWith("(attempt 1)", StringComparison.Ordinal)))
                .ShouldBeEmpty("each entity's supervisor backs off again and again while the database is down");

            // --- the database comes back --------------------------------------------------------------
            var acknowledgedAtRestart = ids.ToDictionary(id => id, acks.HighestFor, StringComparer.Ordinal);
            await server.StartAsync();
            var restart = Stopwatch.StartNew();
            output.WriteLine($"server started again after an outage of {outage.ElapsedMilliseconds} ms");
            await Eventually.HoldsAsync(() => ids.All(id => acks.HighestFor(id) > acknowledgedAtRestart[id]),
                "every entity to recover and acknowledge new pairs after the restart", PhaseLimit, Describe);
            output.WriteLine($"every entity acknowledged new pairs {restart.ElapsedMilliseconds} ms after the restart; " +
                $"write failures after the restart: {Logged(logs, PersistFailed).Count() - failures.Count(e => e.EventId.Id == PersistFailed)}");
        }
        finally
        {
            await stopLoad.CancelAsync();
            await system.Terminate();

            // Waits for the writes still queued, so that what the audit reads is final.
            await journal.DisposeAsync();
        }

        await using var reopened = await PostgresJournal.OpenAsync(settings, PairSerializer.Create());
        var audit = await JournalAudit.ReadAsync(reopened, ids);
        audit.MissingAcknowledged(acks.All).ShouldBeEmpty();
        audit.WholePairsWithoutGaps().ShouldBeEmpty();
        output.WriteLine($"{acks.Count} acknowledged pairs, all stored; {audit.Events.Values.Sum(e => e.Count)} events in the journal");

        string Describe() =>
            $"acknowledged: {acks.Count}, entities without a failed write: {ids.Count(id => !Logged(logs, PersistFailed, id).Any())}, " +
            $"log: {string.Join(" | ", logs.TakeLast(5).Select(e => $"{e.EventId.Id} {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}"))}";
    }

    /// <summary>Log entries with this id, about this entity if given (the kernel names it in the message: "of &lt;id&gt; failed").</summary>
    private static IEnumerable<LogEvent> Logged(ConcurrentQueue<LogEvent> logs, int eventId, string? persistenceId = null) =>
        logs.Where(e => e.EventId.Id == eventId && (persistenceId is null || e.Message.Contains($" of {persistenceId} failed", StringComparison.Ordinal)));

    /// <summary>What a client sees of a server that went away: the journal's <see cref="JournalUnavailableException"/> over
    /// Npgsql's own exception (PostgresException for "terminating connection due to administrator command" or "the database
    /// system is shutting down", NpgsqlException over a socket or stream error for a refused or broken connection).</summary>
    private static bool IsConnectionError(Exception? exception) => exception is JournalUnavailableException { InnerException: NpgsqlException };

    private sealed class RecordingAcks : IAckSink
    {
        private readonly ConcurrentDictionary<(string PersistenceId, long SequenceNr), bool> _acks = new();
        private readonly ConcurrentDictionary<string, long> _highest = new(StringComparer.Ordinal);

        public int Count => _acks.Count;

        public IEnumerable<Ack> All => _acks.Keys.Select(k => new Ack(k.PersistenceId, k.SequenceNr));

        public long HighestFor(string persistenceId) => _highest.GetValueOrDefault(persistenceId);

        public void Acknowledged(string persistenceId, long sequenceNr)
        {
            _acks[(persistenceId, sequenceNr)] = true;
            _highest.AddOrUpdate(persistenceId, sequenceNr, (_, previous) => Math.Max(previous, sequenceNr));
        }
    }

    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<LogEvent> logs) => Receive<LogEvent>(logs.Enqueue);
    }
}
