namespace ActorTrading.Actors.Benchmarks;

/// <summary>Replies to every message with the message itself.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(message => Sender.Tell(message, Self));
}
