namespace ActorTrading.Actors;

/// <summary>A ref to an actor in this process: a tell is an enqueue on its mailbox.</summary>
internal sealed class LocalActorRef : IInternalActorRef
{
    public LocalActorRef(ActorSystem system, ActorPath path, Props props, IInternalActorRef parent, int throughput, DedicatedThreadDispatcher? dispatcher = null)
    {
        Path = path;
        Cell = new ActorCell(system, this, props, parent, new Mailbox(throughput, dispatcher));
    }

    public ActorPath Path { get; }

    public ActorCell Cell { get; }

    public ActorSystem System => Cell.System;

    public bool IsTerminated => Cell.IsTerminated;

    public void Tell(object message, IActorRef? sender) => Cell.Post(message, sender);

    public void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);

    public void Start() => SendSystemMessage(new SystemMessage.Create());

    public bool Equals(IActorRef? other) =>
        ReferenceEquals(this, other) || (other is not null && other.Path.Uid == Path.Uid && other.Path.Equals(Path));

    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Path.GetHashCode(), Path.Uid);

    public override string ToString() => $"[{Path}#{Path.Uid}]";
}
