namespace ActorTrading.Actors;

/// <summary>
/// Messages of the kernel itself. They travel in a queue of their own, are processed before any user
/// message and are processed even while the actor is suspended after a failure.
/// </summary>
internal abstract record SystemMessage
{
    /// <summary>First message of every cell: constructs the actor and runs PreStart.</summary>
    internal sealed record Create : SystemMessage;

    /// <summary>Restart the actor after <see cref="Cause"/>: PreRestart, new instance, PostRestart.</summary>
    internal sealed record Recreate(Exception Cause) : SystemMessage;

    /// <summary>Go on with the same instance after a failure.</summary>
    internal sealed record Resume(Exception? CausedByFailure) : SystemMessage;

    /// <summary>Stop: children first, then PostStop, then the watchers are told.</summary>
    internal sealed record Terminate : SystemMessage;

    internal sealed record Watch(IInternalActorRef Watchee, IInternalActorRef Watcher) : SystemMessage;

    internal sealed record Unwatch(IInternalActorRef Watchee, IInternalActorRef Watcher) : SystemMessage;

    /// <summary>Tells a watcher (or the parent) that <see cref="Actor"/> has stopped.</summary>
    internal sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed) : SystemMessage;

    /// <summary>A child's report to its parent that it failed and is suspended.</summary>
    internal sealed record Failed(IInternalActorRef Child, Exception Cause, long Uid) : SystemMessage;

    /// <summary>A continuation of an async handler, run inside the actor's turn.</summary>
    internal sealed record RunContinuation(SendOrPostCallback Callback, object? State) : SystemMessage;
}
