using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>What an actor sees of its runtime: itself, its sender, its family and its system.</summary>
public interface IActorContext
{
    /// <summary>This actor's ref.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the message being processed (dead letters when there is none).</summary>
    IActorRef Sender { get; }

    /// <summary>The supervisor.</summary>
    IActorRef Parent { get; }

    /// <summary>The system the actor belongs to.</summary>
    ActorSystem System { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>A logger whose category is the actor's type.</summary>
    ILogger Log { get; }

    /// <summary>Creates a child. Names must be unique among live children; null generates one.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>A live child by name, or null.</summary>
    IActorRef? Child(string name);

    /// <summary>The live children.</summary>
    IEnumerable<IActorRef> GetChildren();

    /// <summary>Stops this actor or one of its children (asynchronously; see <see cref="Terminated"/>).</summary>
    void Stop(IActorRef actor);

    /// <summary>Receives <see cref="Terminated"/> when <paramref name="subject"/> stops (at once if already dead).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Stops watching; a Terminated already queued is not withdrawn.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Looks actors up by path, absolute (<c>/user/a</c>) or relative to this actor (<c>../b</c>).</summary>
    ActorSelection ActorSelection(string path);
}
