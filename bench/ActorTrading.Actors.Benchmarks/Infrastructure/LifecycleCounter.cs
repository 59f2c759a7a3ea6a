namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// Counts signals from actors (or bare mailboxes) down to zero and completes a task then: how the
/// benchmarks wait until N actors have started or processed a message without an ask per actor.
/// </summary>
public sealed class LifecycleCounter
{
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    /// <summary>Arms the counter for <paramref name="count"/> signals; the task completes on the last one.</summary>
    public Task Expect(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _done, done);
        Volatile.Write(ref _pending, count);
        return done.Task;
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            Volatile.Read(ref _done).TrySetResult();
        }
    }
}
