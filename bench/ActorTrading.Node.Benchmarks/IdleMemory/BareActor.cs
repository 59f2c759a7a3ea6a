using ActorTrading.Actors;

namespace ActorTrading.Node.Benchmarks;

/// <summary>Counts down to zero, then completes (lock-free; one instance shared by many actors).</summary>
public sealed class Countdown(int count)
{
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = count;

    public Task Completed => _completed.Task;

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _completed.TrySetResult();
        }
    }
}

/// <summary>The baseline of <c>idle-memory</c>: a trivial <see cref="ReceiveActor"/> with one handler and no state
/// but the countdown it signals when it gets a message.</summary>
public sealed class BareActor : ReceiveActor
{
    public BareActor(Countdown received) => ReceiveAny(_ => received.Signal());
}
