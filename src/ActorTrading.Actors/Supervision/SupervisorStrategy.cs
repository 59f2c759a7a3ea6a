namespace ActorTrading.Actors;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; go on with the next message.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one; the mailbox is kept, the failing message is dropped.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same cause; its own supervisor decides.</summary>
    Escalate,
}

/// <summary>
/// How a parent handles its children's failures. The decider maps a cause to a directive; a restart
/// budget (<see cref="MaxNumberOfRetries"/> within <see cref="WithinTimeRange"/>) turns a restart into a
/// stop once spent.
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>Creates a strategy.</summary>
    protected SupervisorStrategy(int maxNumberOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        MaxNumberOfRetries = maxNumberOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider;
    }

    /// <summary>Akka's default: restart on any exception, but stop on initialization failure, Kill and an unhandled Terminated.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops any failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Restarts allowed within the window; negative means unlimited.</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>The window for <see cref="MaxNumberOfRetries"/>; null means the child's whole life.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>Maps a failure to a directive.</summary>
    public Func<Exception, Directive> Decider { get; }

    /// <summary>The default decider.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>Applies the decision; false means escalate.</summary>
    internal bool HandleFailure(ActorCell supervisor, ChildRestartStats failed, Exception cause)
    {
        var directive = Decider(cause);
        if (directive == Directive.Escalate)
        {
            return false;
        }

        KernelLog.ActorFailed(supervisor.System.KernelLogger, failed.Child.Path.ToString(), directive, cause);
        switch (directive)
        {
            case Directive.Resume:
                failed.Child.SendSystemMessage(new SystemMessage.Resume(cause));
                break;
            case Directive.Restart:
                ProcessFailure(supervisor, restart: true, failed, cause);
                break;
            default:
                ProcessFailure(supervisor, restart: false, failed, cause);
                break;
        }

        return true;
    }

    /// <summary>Restarts or stops the failed child and, for all-for-one, its siblings.</summary>
    private protected abstract void ProcessFailure(ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause);

    private protected bool RequestRestartPermission(ChildRestartStats stats, ActorCell supervisor) =>
        stats.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange, supervisor.System.TimeProvider);
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>A strategy with a restart budget.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    /// <summary>A strategy with unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider)
        : base(-1, null, decider)
    {
    }

    private protected override void ProcessFailure(ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause)
    {
        if (restart && RequestRestartPermission(failed, supervisor))
        {
            failed.Child.SendSystemMessage(new SystemMessage.Recreate(cause));
        }
        else
        {
            supervisor.Stop(failed.Child);
        }
    }
}

/// <summary>Applies the directive to the failed child and all its siblings (for children that only make sense together).</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>A strategy with a restart budget.</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    /// <summary>A strategy with unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider)
        : base(-1, null, decider)
    {
    }

    private protected override void ProcessFailure(ActorCell supervisor, bool restart, ChildRestartStats failed, Exception cause)
    {
        var children = supervisor.AllChildStats();
        if (restart && children.All(child => RequestRestartPermission(child, supervisor)))
        {
            foreach (var child in children)
            {
                child.Child.SendSystemMessage(new SystemMessage.Recreate(cause));
            }
        }
        else
        {
            foreach (var child in children)
            {
                supervisor.Stop(child.Child);
            }
        }
    }
}
