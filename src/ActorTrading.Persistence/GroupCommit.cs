using System.Threading.Channels;
using ActorTrading.Actors.Persistence;

namespace ActorTrading.Persistence;

/// <summary>
/// Coalesces writes (events already serialized, so that the callers share that work and the writer only writes)
/// from many entities into few transactions. Callers hand in their writes and get
/// their own results back only once the transaction that carried them has committed (or failed).
/// While one batch is being written, new writes queue up and form the next batch, so the batch size
/// follows the load: one write alone goes at once, a thousand concurrent writers share a commit.
/// </summary>
public sealed class GroupCommit : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Func<IReadOnlyList<SerializedWrite>, CancellationToken, Task<IReadOnlyList<Exception?>>> _writeBatch;
    private readonly int _maxEventsPerBatch;
    private readonly Task[] _writers;

    /// <summary>Starts <paramref name="writers"/> loops that each take a batch and write it with <paramref name="writeBatch"/>.</summary>
    public GroupCommit(
        Func<IReadOnlyList<SerializedWrite>, CancellationToken, Task<IReadOnlyList<Exception?>>> writeBatch,
        int maxEventsPerBatch,
        int writers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _writeBatch = writeBatch;
        _maxEventsPerBatch = maxEventsPerBatch;
        _writers = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoop))];
    }

    /// <summary>Queues writes; completes with one result per write (see <see cref="IJournal.WriteMessagesAsync"/>).</summary>
    public Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<SerializedWrite> writes)
    {
        var pending = new Pending(writes, new TaskCompletionSource<IReadOnlyList<Exception?>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException<IReadOnlyList<Exception?>>(new ObjectDisposedException(nameof(GroupCommit), "the journal is shutting down"));
        }

        return pending.Completion.Task;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoop()
    {
        var batch = new List<Pending>();
        var writes = new List<SerializedWrite>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            writes.Clear();
            var events = 0;
            while (events < _maxEventsPerBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                writes.AddRange(pending.Writes);
                foreach (var write in pending.Writes)
                {
                    events += write.Write.Events.Count;
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            IReadOnlyList<Exception?> results;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                results = await _writeBatch(writes, CancellationToken.None);
                PersistenceMetrics.JournalBatchWritten(started, events);
            }
            catch (Exception exception)
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(exception);
                }

                continue;
            }

            var offset = 0;
            foreach (var pending in batch)
            {
                var own = new Exception?[pending.Writes.Count];
                for (var i = 0; i < own.Length; i++)
                {
                    own[i] = results[offset + i];
                }

                pending.Completion.TrySetResult(own);
                offset += own.Length;
            }
        }
    }

    private sealed record Pending(IReadOnlyList<SerializedWrite> Writes, TaskCompletionSource<IReadOnlyList<Exception?>> Completion);
}
