using System.Diagnostics;
using ActorTrading.Actors.Event;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Persistence.Projections;

/// <summary>How far a projection is behind the journal.</summary>
/// <param name="Name">The projection.</param>
/// <param name="Offset">The last event got past (applied, or passed over as not included). The offset stored in the read
/// tables can be behind it by events the projection does not include (at most <see cref="ProjectionRunner.MaxPassedOverUnstored"/>).</param>
/// <param name="Head">The newest event in the journal when last looked.</param>
/// <param name="EventsApplied">Events this runner has got past: applied, or passed over as not included by the projection.</param>
/// <param name="Reads">Times this runner has read the journal (it reads on every wake-up and poll).</param>
/// <param name="TimeLag">Age of the last applied event when it was applied.</param>
/// <param name="LastAppliedAt">When the runner last got past a batch.</param>
/// <param name="LastError">The last failure, until a batch succeeds.</param>
public sealed record ProjectionStatus(string Name, ProjectionOffset Offset, ProjectionOffset Head, long EventsApplied, long Reads, TimeSpan? TimeLag, DateTimeOffset? LastAppliedAt, string? LastError)
{
    /// <summary>Whether the projection has applied everything committed so far.</summary>
    public bool IsCaughtUp => Offset >= Head;
}

/// <summary>Settings of projection runners.</summary>
public sealed record ProjectionSettings
{
    /// <summary>Events applied per transaction. Default 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How often the journal is polled when no in-process write wakes the runner (writes of other nodes). Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause after a failed batch before trying again (the batch is rolled back, nothing is half-applied). Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Keeps one projection up to date: at start it catches up from its stored offset, then applies new
/// events as they are committed. Each batch of events, the rows they produce and the new offset go in
/// one transaction. A failing batch is rolled back and retried after a pause; the failure is kept in
/// <see cref="Status"/> and logged, never skipped.
/// </summary>
public sealed partial class ProjectionRunner : IAsyncDisposable
{
    private readonly IProjection _projection;
    private readonly IProjectionStore _store;
    private readonly ProjectionSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OutageLog _outage;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ProjectionStatus _status;

    // The offset as this runner last stored it (or found it at start), and how many events it has passed over since
    // without storing: batches with nothing for this projection are not written (see ApplyBatchAsync).
    private ProjectionOffset _stored;
    private long _passedOverUnstored;

    /// <summary>The most events a runner passes over (none of them for its projection) before it stores its offset.</summary>
    public const int MaxPassedOverUnstored = 10_000;

    private ProjectionRunner(IProjection projection, IProjectionStore store, ProjectionSettings settings, ILogger logger, TimeProvider time)
    {
        _projection = projection;
        _store = store;
        _settings = settings;
        _logger = logger;
        _time = time;
        _outage = new OutageLog(time);
        _status = new ProjectionStatus(projection.Name, ProjectionOffset.Start, ProjectionOffset.Start, 0, 0, null, null, null);
        store.EventsWritten += Wake;
        PersistenceMetrics.Started(this);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The projection's progress.</summary>
    public ProjectionStatus Status => _status;

    /// <summary>Creates the projection's tables and starts it; completes once its schema exists and its offset is loaded.</summary>
    public static async Task<ProjectionRunner> StartAsync(IProjection projection, IProjectionStore store, ProjectionSettings? settings = null, ILogger? logger = null, TimeProvider? time = null)
    {
        var runner = new ProjectionRunner(projection, store, settings ?? new ProjectionSettings(), logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, time ?? TimeProvider.System);
        await runner._ready.Task;
        return runner;
    }

    /// <summary>Waits until everything committed before the call has been applied.</summary>
    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var head = await _store.ReadHeadAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        Wake();
        while (_status.Offset < head)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"projection {_projection.Name} is at {_status.Offset}, not at {head}, after {timeout.TotalSeconds:0.#} s; last error: {_status.LastError ?? "none"}");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _store.EventsWritten -= Wake;
        PersistenceMetrics.Stopped(this);
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await PrepareAsync(token);
                break;
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                Failed(exception);
                await Task.Delay(_settings.RetryDelay, _time, token);
            }
        }

        while (!token.IsCancellationRequested)
        {
            try
            {
                if (await ApplyBatchAsync(token) < _settings.BatchSize)
                {
                    await _wake.WaitAsync(_settings.PollInterval, token);
                }
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                Failed(exception);
                await Task.Delay(_settings.RetryDelay, _time, token);
            }
        }
    }

    private async Task PrepareAsync(CancellationToken token)
    {
        using var gate = await _store.EnterWriteAsync(token);
        await using var connection = await _store.OpenAsync(token);
        await using var transaction = await connection.BeginTransactionAsync(token);
        await using (var schema = connection.CreateCommand())
        {
            schema.Transaction = transaction;
            schema.CommandText = _projection.Schema(_store.Dialect);
            await schema.ExecuteNonQueryAsync(token);
        }

        var offset = await _store.LoadOffsetAsync(_projection.Name, connection, transaction, token);
        await transaction.CommitAsync(token);
        _stored = offset;
        _status = _status with { Offset = offset, Head = await _store.ReadHeadAsync(token), LastError = null };
        Recovered();
        _ready.TrySetResult();
    }

    private async Task<int> ApplyBatchAsync(CancellationToken token)
    {
        var batch = await _store.ReadAfterAsync(_status.Offset, _settings.BatchSize, _projection.Includes, token);
        var head = await _store.ReadHeadAsync(token);
        _status = _status with { Reads = _status.Reads + 1 };
        if (batch.Read == 0)
        {
            // Read and found nothing: the store works again, whatever failed before.
            Recovered();
            _status = _status with { Head = head, LastError = null };
            return 0;
        }

        if (batch.Events.Count == 0 && _passedOverUnstored + batch.Read < MaxPassedOverUnstored)
        {
            // Nothing in it for this projection: passed over without a write. A transaction and a commit (with its sync) per
            // batch of other projections' events was nearly all an operation log did during a fan-out, holding the read
            // tables' one write gate against the projection that had work. The offset is stored with the next batch that
            // applies something, or once MaxPassedOverUnstored events went by; after a restart those are read (and passed
            // over) again, which changes nothing.
            _passedOverUnstored += batch.Read;
            Advanced(batch, head);
            return batch.Read;
        }

        // Read before the write gate, which the journal's writer waits for as well: with SQLite, whatever a projection does
        // while it holds the gate, every entity's next event waits for.
        foreach (var @event in batch.Events)
        {
            _ = @event.Payload;
        }

        using var gate = await _store.EnterWriteAsync(token);
        await using var connection = await _store.OpenAsync(token);
        await using var transaction = await connection.BeginTransactionAsync(token);

        // The stored offset, not the cached one, decides: a second runner for the same projection (another node)
        // may have moved it; then this batch is not ours to apply.
        var stored = await _store.LoadOffsetAsync(_projection.Name, connection, transaction, token);
        if (stored != _stored)
        {
            await transaction.RollbackAsync(token);
            (_stored, _passedOverUnstored) = (stored, 0);
            _status = _status with { Offset = stored };
            return _settings.BatchSize;
        }

        await using var context = new ProjectionTransaction(connection, transaction, _store.Dialect, sql => _store.Prepare(connection, sql));
        if (batch.Events.Count > 0)
        {
            await _projection.ApplyBatchAsync(batch.Events, context, token);
        }

        await context.FlushAsync(token);

        // The offset moves past the events the projection does not include as well: they are done with.
        await _store.SaveOffsetAsync(_projection.Name, batch.Last, connection, transaction, token);
        await transaction.CommitAsync(token);
        (_stored, _passedOverUnstored) = (batch.Last, 0);
        Advanced(batch, head);
        return batch.Read;
    }

    private void Advanced(ProjectionBatch batch, ProjectionOffset head)
    {
        Recovered();
        _status = _status with
        {
            Offset = batch.Last,
            Head = head > batch.Last ? head : batch.Last,
            EventsApplied = _status.EventsApplied + batch.Read,
            TimeLag = _time.GetUtcNow() - batch.LastTimestamp,
            LastAppliedAt = _time.GetUtcNow(),
            LastError = null,
        };
    }

    private void Failed(Exception exception)
    {
        _status = _status with { LastError = exception.Message };
        switch (_outage.Failed())
        {
            case (OutageReport.First, _):
                ProjectionLog.BatchFailed(_logger, _projection.Name, exception);
                break;
            case (OutageReport.Summary, var failures):
                ProjectionLog.StillFailing(_logger, _projection.Name, failures, _outage.Interval, exception.Message);
                break;
        }
    }

    private void Recovered()
    {
        if (_outage.Succeeded() is var (failures, lasted))
        {
            ProjectionLog.Recovered(_logger, _projection.Name, failures, lasted);
        }
    }

    private static partial class ProjectionLog
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Projection {Projection} failed to apply a batch; it is rolled back and retried")]
        public static partial void BatchFailed(ILogger logger, string projection, Exception cause);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Projection {Projection} still fails: {Failures} more failed batches in the last {Interval}; last: {Error}")]
        public static partial void StillFailing(ILogger logger, string projection, int failures, TimeSpan interval, string error);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Projection {Projection} applies batches again, after {Failures} failures over {Lasted}")]
        public static partial void Recovered(ILogger logger, string projection, int failures, TimeSpan lasted);
    }
}
