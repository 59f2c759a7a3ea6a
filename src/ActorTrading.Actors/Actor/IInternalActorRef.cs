namespace ActorTrading.Actors;

/// <summary>The kernel's side of a ref: system messages bypass the user mailbox.</summary>
internal interface IInternalActorRef : IActorRef
{
    bool IsTerminated { get; }

    ActorSystem System { get; }

    void SendSystemMessage(SystemMessage message);
}
