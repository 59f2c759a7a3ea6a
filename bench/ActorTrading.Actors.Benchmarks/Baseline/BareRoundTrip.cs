namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// The baseline of an ask: the same two thread-pool hops without the kernel. A work item completes a
/// <see cref="TaskCompletionSource{TResult}"/> created with
/// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>, so the awaiter resumes on another
/// pool item. An ask does the same: the echo's mailbox turn (hop 1) completes the promise, whose
/// continuation is queued again (hop 2).
/// </summary>
public static class BareRoundTrip
{
    public static Task<object> RunAsync(object message)
    {
        var reply = new ReplyWorkItem(message);
        ThreadPool.UnsafeQueueUserWorkItem(reply, preferLocal: false);
        return reply.Task;
    }

    private sealed class ReplyWorkItem(object message) : IThreadPoolWorkItem
    {
        private readonly TaskCompletionSource<object> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<object> Task => _promise.Task;

        public void Execute() => _promise.TrySetResult(message);
    }
}
