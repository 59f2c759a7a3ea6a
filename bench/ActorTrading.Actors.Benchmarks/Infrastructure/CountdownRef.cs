using System.Collections.Immutable;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// A sender that is not an actor: it counts the replies it is told and completes when it has
/// <c>expected</c> of them. Lets a harness send 100,000 <see cref="Identify"/> messages without 100,000
/// asks (each with its own promise and timer) and still know when every actor has answered.
/// </summary>
public sealed class CountdownRef : IActorRef
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    public CountdownRef(string systemName, int expected)
    {
        Path = new ActorPath(Address.Local(systemName), ImmutableArray.Create("bench", "countdown"));
        _pending = expected;
        if (expected == 0)
        {
            _done.TrySetResult();
        }
    }

    public ActorPath Path { get; }

    public Task Completed => _done.Task;

    public void Tell(object message, IActorRef? sender)
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _done.TrySetResult();
        }
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => Path.GetHashCode();
}
