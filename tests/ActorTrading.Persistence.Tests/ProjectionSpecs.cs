using ActorTrading.Persistence.Projections;

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
