namespace ActorTrading.Actors;

/// <summary>Base of the kernel's own exceptions.</summary>
public class ActorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>The actor's constructor or PreStart threw; the default strategy stops such an actor.</summary>
public sealed class ActorInitializationException(IActorRef actor, string message, Exception? inner)
    : ActorException(message, inner)
{
    /// <summary>The actor that could not start.</summary>
    public IActorRef Actor { get; } = actor;
}

/// <summary>Raised by <see cref="Kill"/>.</summary>
public sealed class ActorKilledException(string message) : ActorException(message);

/// <summary>An actor received a <see cref="Terminated"/> it did not handle.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : ActorException($"monitored actor {deadActor.Path} terminated and the watcher did not handle Terminated")
{
    /// <summary>The watched actor that stopped.</summary>
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>An ask was not answered in time.</summary>
public sealed class AskTimeoutException(string message) : ActorException(message);

/// <summary>An actor name is empty, reserved, malformed or already taken.</summary>
public sealed class InvalidActorNameException(string message) : ActorException(message);

/// <summary>An actor selection did not resolve to a live actor.</summary>
public sealed class ActorNotFoundException(string message) : ActorException(message);

