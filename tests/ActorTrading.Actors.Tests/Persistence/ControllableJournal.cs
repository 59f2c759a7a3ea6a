using ActorTrading.Actors.Persistence;

namespace ActorTrading.Actors.Tests.Persistence;

/// <summary>An in-memory journal whose writes a test can hold back or make fail.</summary>
internal sealed class ControllableJournal : IJournal
{
    private readonly InMemoryJournal _inner = new();
    private TaskCompletionSource? _gate;

    private Exception? _failNextWrite;

    /// <summary>The next write (only) fails with <paramref name="failure"/>.</summary>
    public void FailNextWrite(Exception failure) => Volatile.Write(ref _failNextWrite, failure);

    public Exception? FailReplayWith { get; set; }

    public int Writes;

    /// <summary>Writes wait until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate?.TrySetResult();

    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Writes);
        if (_gate is { } gate)
        {
            await gate.Task;
        }

        if (Interlocked.Exchange(ref _failNextWrite, null) is { } failure)
        {
            throw failure;
        }

        return await _inner.WriteMessagesAsync(writes, cancellationToken);
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default) =>
        FailReplayWith is { } failure ? Task.FromException(failure) : _inner.ReplayMessagesAsync(persistenceId, fromSequenceNr, toSequenceNr, max, onReplayed, cancellationToken);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        _inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        _inner.DeleteMessagesToAsync(persistenceId, toSequenceNr, cancellationToken);
}
