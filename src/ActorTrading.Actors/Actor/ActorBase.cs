using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>
/// Base of every actor. The kernel calls <see cref="Receive"/> with one message at a time; an actor's
/// fields are only touched from its own turn, so they need no locks.
/// </summary>
public abstract class ActorBase
{
    [ThreadStatic]
    private static ActorCell? t_cellUnderConstruction;

    private readonly ActorCell _cell;
    private TimerScheduler? _timers;
    private ActorStash? _stash;

    /// <summary>Actors are created by the kernel from <see cref="Props"/>, never with <c>new</c> by hand.</summary>
    protected ActorBase()
    {
        _cell = t_cellUnderConstruction
            ?? throw new ActorException($"{GetType().Name} must be created by the actor system from Props, not with 'new'");
    }

    internal static ActorCell? CellUnderConstruction
    {
        get => t_cellUnderConstruction;
        set => t_cellUnderConstruction = value;
    }

    /// <summary>This actor's runtime context.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's ref.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being processed.</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>A logger whose category is this actor's type.</summary>
    protected ILogger Log => _cell.Log;

    internal ActorCell Cell => _cell;

    internal SupervisorStrategy? SupervisorStrategyInternal => SupervisorStrategy();

    /// <summary>Handles one message; false means "not handled" (the kernel publishes it as unhandled).</summary>
    protected internal abstract bool Receive(object message);

    /// <summary>The strategy for this actor's children; null takes the props' or the default one.</summary>
    protected virtual SupervisorStrategy? SupervisorStrategy() => null;

    /// <summary>Runs before the first message, after creation and (by default) after a restart.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs after the actor and all its children have stopped.</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Runs on the failed instance before a restart. By default stops the children and runs PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        _cell.StopChildrenForRestart();
        PostStop();
    }

    /// <summary>Runs on the fresh instance after a restart. By default runs PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>Publishes an unhandled message; an unhandled <see cref="Terminated"/> fails the actor.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }

        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.Sender, _cell.Self));
    }

    internal virtual bool AroundReceive(object message)
    {
        if (Receive(message))
        {
            return true;
        }

        if (message is Terminated)
        {
            return false;
        }

        Unhandled(message);
        return true;
    }

    internal virtual void AroundPreStart() => PreStart();

    internal virtual void AroundPostStop()
    {
        _stash?.DeadLetterAll();
        PostStop();
    }

    internal virtual void AroundPreRestart(Exception reason, object? message)
    {
        // Akka's rule: what the failed instance stashed is not lost; it goes back to the mailbox's head.
        _stash?.UnstashAll();
        PreRestart(reason, message);
    }

    internal virtual void AroundPostRestart(Exception reason) => PostRestart(reason);

    /// <summary>Timers owned by this actor: cancelled when it restarts or stops, and a message of a
    /// cancelled or replaced timer is never delivered.</summary>
    protected ITimerScheduler Timers => _timers ??= new TimerScheduler(_cell);

    /// <summary>This actor's stash: messages set aside now and put back at the head of the mailbox later.
    /// It survives Become and restarts (a restart puts stashed messages back first).</summary>
    protected IStash Stash => _stash ??= new ActorStash(_cell);

    internal void ClearTimers() => _timers?.CancelAll();
}
