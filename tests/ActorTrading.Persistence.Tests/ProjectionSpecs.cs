using System.Data.Common;
using ActorTrading.Persistence.Projections;
using ActorTrading.TestSupport;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Persistence.Tests;

/// <summary>What every store's projections must do; the SQLite and PostgreSQL test projects each inherit it.</summary>
public abstract class ProjectionSpecs
{
    private static readonly ProjectionSettings FastSettings = new() { PollInterval = TimeSpan.FromMilliseconds(50), RetryDelay = TimeSpan.FromMilliseconds(20), BatchSize = 50 };

    /// <summary>A journal and a projection store over the same, empty database.</summary>
    protected abstract Task<(IJournal Journal, IProjectionStore Store)> OpenAsync();

    /// <summary>Rows of the operation log, in ordering order, as (persistence id, sequence nr).</summary>
    protected abstract Task<IReadOnlyList<(string PersistenceId, long SequenceNr)>> ReadOperationLogAsync();

    protected static async Task WriteAsync(IJournal journal, string persistenceId, int from, int count)
    {
        for (var n = from; n < from + count; n++)
        {
            var result = await journal.WriteMessagesAsync([new AtomicWrite([
                new Persistent(new Counter(n), persistenceId, n, "w", DateTimeOffset.UtcNow, new HashSet<string> { "counter" })])]);
            result[0].ShouldBeNull();
        }
    }

    [Fact]
    public async Task A_projection_catches_up_at_start_then_applies_new_events_once_each_in_order()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "a", 1, 120);

        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), store, FastSettings))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
            await WriteAsync(journal, "b", 1, 30);
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
            runner.Status.EventsApplied.ShouldBe(150);
        }

        // A new runner resumes from the stored offset: nothing is applied twice (the log's key would refuse it).
        await WriteAsync(journal, "a", 121, 5);
        await using (var again = await ProjectionRunner.StartAsync(new OperationLogProjection(), store, FastSettings))
        {
            await again.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
            again.Status.EventsApplied.ShouldBe(5);
            again.Status.LastError.ShouldBeNull();
        }

        var rows = await ReadOperationLogAsync();
        rows.Count.ShouldBe(155);
        rows.Where(r => r.PersistenceId == "a").Select(r => r.SequenceNr).ShouldBe(Enumerable.Range(1, 125).Select(n => (long)n));
    }

    [Fact]
    public async Task Events_a_projection_does_not_include_are_passed_over_without_being_loaded()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "skipped", 1, 70);
        for (var n = 1; n <= 3; n++)
        {
            (await journal.WriteMessagesAsync([new AtomicWrite([
                new Persistent(new OrderPlaced("o" + n, n, "buy"), "kept", n, "w", DateTimeOffset.UtcNow, new HashSet<string>())])]))[0].ShouldBeNull();
        }

        await using var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(manifest => manifest.StartsWith("test.order-placed.", StringComparison.Ordinal)), store, FastSettings);
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));

        runner.Status.EventsApplied.ShouldBe(73);
        (await ReadOperationLogAsync()).ShouldBe([("kept", 1L), ("kept", 2L), ("kept", 3L)]);
    }

    [Fact]
    public async Task Batches_with_nothing_for_a_projection_are_not_written_and_a_restart_applies_nothing_twice()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "skipped", 1, 7 * FastSettings.BatchSize);
        await WriteKeptAsync(journal, 1, 2);
        var counting = new CountingStore(store);
        var includeKept = (string manifest) => manifest.StartsWith("test.order-placed.", StringComparison.Ordinal);

        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(includeKept), counting, FastSettings))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
            runner.Status.EventsApplied.ShouldBe(7 * FastSettings.BatchSize + 2);
        }

        // Seven batches of others' events and the one with the two kept: one write, not eight.
        counting.Writes.ShouldBe(1);

        // More passed-over events, then a restart before anything is stored: they are read again and nothing is applied twice.
        await WriteAsync(journal, "skipped", 7 * FastSettings.BatchSize + 1, 3);
        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(includeKept), counting, FastSettings))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
        }

        await WriteKeptAsync(journal, 3, 1);
        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(includeKept), counting, FastSettings))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
        }

        (await ReadOperationLogAsync()).ShouldBe([("kept", 1L), ("kept", 2L), ("kept", 3L)]);
    }

    [Fact]
    public async Task A_runner_stores_its_offset_after_at_most_a_bounded_number_of_passed_over_events()
    {
        var (journal, store) = await OpenAsync();
        var settings = FastSettings with { BatchSize = 2_000 };
        await WriteManyAsync(journal, "skipped", ProjectionRunner.MaxPassedOverUnstored + 1);
        var counting = new CountingStore(store);

        await using var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(_ => false), counting, settings);
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60));

        counting.Writes.ShouldBe(1);
    }

    private static async Task WriteKeptAsync(IJournal journal, int from, int count)
    {
        for (var n = from; n < from + count; n++)
        {
            (await journal.WriteMessagesAsync([new AtomicWrite([
                new Persistent(new OrderPlaced("o" + n, n, "buy"), "kept", n, "w", DateTimeOffset.UtcNow, new HashSet<string>())])]))[0].ShouldBeNull();
        }
    }

    private static async Task WriteManyAsync(IJournal journal, string persistenceId, int count)
    {
        // In writes of 500 events: one event per write would take long on a synced journal.
        for (var from = 1; from <= count; from += 500)
        {
            var events = Enumerable.Range(from, Math.Min(500, count - from + 1))
                .Select(n => new Persistent(new Counter(n), persistenceId, n, "w", DateTimeOffset.UtcNow, new HashSet<string>()))
                .ToList();
            (await journal.WriteMessagesAsync([new AtomicWrite(events)]))[0].ShouldBeNull();
        }
    }

    [Fact]
    public async Task A_failing_batch_is_rolled_back_and_retried_so_nothing_is_half_applied()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "f", 1, 20);
        var flaky = new FailOnce(failAt: 7);

        await using var runner = await ProjectionRunner.StartAsync(flaky, store, FastSettings);
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));

        flaky.Failures.ShouldBe(1);
        (await ReadOperationLogAsync()).Select(r => r.SequenceNr).ShouldBe(Enumerable.Range(1, 20).Select(n => (long)n));
    }

    [Fact]
    public async Task A_store_outage_is_logged_once_in_full_and_its_end_once_and_the_status_clears_without_new_events()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "o", 1, 5);
        var outage = new OutageStore(store);
        var log = new RecordingLogger();
        await using var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), outage, FastSettings, log);
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));

        outage.Down = true;
        await Eventually.HoldsAsync(() => outage.Refused >= 10, "ten failed reads", TimeSpan.FromSeconds(20));
        runner.Status.LastError.ShouldNotBeNull();
        outage.Down = false;

        // Nothing new to apply: the first read that works is what ends the outage.
        await Eventually.HoldsAsync(() => runner.Status.LastError is null, "the error cleared", TimeSpan.FromSeconds(20));
        var lines = log.Lines;
        lines.Count(l => l.Level == LogLevel.Error).ShouldBe(1, string.Join("\n", lines.Select(l => l.Message)));
        lines.Single(l => l.Level == LogLevel.Error).Exception.ShouldNotBeNull("the first failure in full");
        lines.Single(l => l.Level == LogLevel.Information).Message.ShouldContain("applies batches again, after");
    }

    [Fact]
    public async Task The_lag_of_a_projection_is_observable()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "l", 1, 10);
        var gated = new Gated();

        await using var runner = await ProjectionRunner.StartAsync(gated, store, FastSettings);
        runner.Status.IsCaughtUp.ShouldBeFalse();
        runner.Status.Head.ShouldBeGreaterThan(runner.Status.Offset);

        gated.Open.TrySetResult();
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
        runner.Status.IsCaughtUp.ShouldBeTrue();
        runner.Status.TimeLag.ShouldNotBeNull();
        runner.Status.LastAppliedAt.ShouldNotBeNull();
    }

    /// <summary>The operation log, failing once at one sequence number.</summary>
    /// <summary>The real store, whose reads fail while <see cref="Down"/>, as with its database gone.</summary>
    private sealed class OutageStore(IProjectionStore inner) : PassThroughStore(inner)
    {
        private int _refused;

        public volatile bool Down;

        public int Refused => Volatile.Read(ref _refused);

        public override Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken)
        {
            if (Down)
            {
                Interlocked.Increment(ref _refused);
                throw new IOException("the store is down");
            }

            return base.ReadAfterAsync(after, max, include, cancellationToken);
        }
    }

    /// <summary>Keeps what is logged.</summary>
    private sealed class RecordingLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Message, Exception? Exception)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message, Exception? Exception)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((logLevel, formatter(state, exception), exception));
            }
        }
    }

    /// <summary>The real store, counting the offsets it is asked to store (one per written batch).</summary>
    private sealed class CountingStore(IProjectionStore inner) : PassThroughStore(inner)
    {
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public override Task SaveOffsetAsync(string projection, ProjectionOffset offset, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _writes);
            return base.SaveOffsetAsync(projection, offset, connection, transaction, cancellationToken);
        }
    }

    /// <summary>The real store, every call passed on; the stores above change one call each.</summary>
    private abstract class PassThroughStore(IProjectionStore inner) : IProjectionStore
    {
        public ProjectionDialect Dialect => inner.Dialect;

        public event Action? EventsWritten
        {
            add => inner.EventsWritten += value;
            remove => inner.EventsWritten -= value;
        }

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

        public Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) => inner.OpenReaderAsync(cancellationToken);

        public virtual Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken) =>
            inner.ReadAfterAsync(after, max, include, cancellationToken);

        public Task<ProjectionOffset> ReadHeadAsync(CancellationToken cancellationToken) => inner.ReadHeadAsync(cancellationToken);

        public Task<ProjectionOffset> LoadOffsetAsync(string projection, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
            inner.LoadOffsetAsync(projection, connection, transaction, cancellationToken);

        public virtual Task SaveOffsetAsync(string projection, ProjectionOffset offset, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
            inner.SaveOffsetAsync(projection, offset, connection, transaction, cancellationToken);

        public Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken) => inner.EnterWriteAsync(cancellationToken);

        public IProjectionStatement? Prepare(DbConnection connection, string sql) => inner.Prepare(connection, sql);
    }

    private sealed class FailOnce(long failAt) : IProjection
    {
        private readonly OperationLogProjection _inner = new();

        public int Failures { get; private set; }

        public string Name => _inner.Name;

        public string Schema(ProjectionDialect dialect) => _inner.Schema(dialect);

        public Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken)
        {
            if (@event.SequenceNr == failAt && Failures == 0)
            {
                Failures++;
                throw new InvalidOperationException("projection bug, fixed on retry");
            }

            return _inner.ApplyAsync(@event, transaction, cancellationToken);
        }
    }

    /// <summary>The operation log, holding its first event until opened.</summary>
    private sealed class Gated : IProjection
    {
        private readonly OperationLogProjection _inner = new();

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => _inner.Name;

        public string Schema(ProjectionDialect dialect) => _inner.Schema(dialect);

        public async Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken)
        {
            await Open.Task.WaitAsync(cancellationToken);
            await _inner.ApplyAsync(@event, transaction, cancellationToken);
        }
    }
}
