namespace ActorTrading.Actors;

/// <summary>
/// A handle to an actor. The only way to reach an actor is to send it a message through its ref;
/// a ref may point at a local actor, a temporary one (ask) or, later, one on another node.
/// </summary>
public interface IActorRef : IEquatable<IActorRef>
{
    /// <summary>The actor's path, unique for its incarnation thanks to <see cref="ActorPath.Uid"/>.</summary>
    ActorPath Path { get; }

    /// <summary>Enqueues <paramref name="message"/> for the actor. Never blocks, never throws for a dead actor
    /// (the message becomes a dead letter).</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>Well-known refs.</summary>
public static class ActorRefs
{
    /// <summary>No sender: a reply to it becomes a dead letter.</summary>
    public static readonly IActorRef? NoSender;

    /// <summary>A ref to nobody: anything sent is dropped (used where a ref is required but no actor exists).</summary>
    public static readonly IActorRef Nobody = new NobodyActorRef();

    private sealed class NobodyActorRef : IActorRef
    {
        public ActorPath Path { get; } = ActorPath.Parse("akka://nobody/");

        public void Tell(object message, IActorRef? sender)
        {
        }

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

        public override string ToString() => "Nobody";
    }
}
