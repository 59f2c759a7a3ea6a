namespace ActorTrading.Actors;

/// <summary>
/// A read-only look into this process's actor tree for operators' tools (the CLI's <c>actor hierarchy</c>, as
/// Petabridge.Cmd's reads Akka's <c>ActorRefWithCell.Children</c> and <c>ICell.NumberOfMessages</c>). Nothing here sends
/// a message or waits for an actor's turn, so a busy or stuck actor is seen as it is; every figure is a moment's view
/// (a child started or stopped meanwhile may or may not be in it).
/// </summary>
public static class ActorInspection
{
    /// <summary>The root guardian of <paramref name="system"/> (path <c>/</c>), where a walk of the whole tree starts.</summary>
    public static IActorRef RootGuardian(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.Root;
    }

    /// <summary>The live children of <paramref name="actor"/>, ordered by name; empty for a ref that is not a live actor of
    /// this process (a stopped one, dead letters, a temporary ask ref, another node's actor).</summary>
    public static IReadOnlyList<IActorRef> GetChildren(IActorRef actor) =>
        actor is LocalActorRef { IsTerminated: false } local
            ? [.. local.Cell.GetChildren().Where(child => child is not LocalActorRef { IsTerminated: true }).OrderBy(child => child.Path.Name, StringComparer.Ordinal)]
            : [];

    /// <summary>The user messages waiting in <paramref name="actor"/>'s mailbox (Akka's <c>NumberOfMessages</c>); null for a
    /// ref that is not an actor of this process.</summary>
    public static int? NumberOfMessages(IActorRef actor) => actor is LocalActorRef local ? local.Cell.Mailbox.Count : null;
}
