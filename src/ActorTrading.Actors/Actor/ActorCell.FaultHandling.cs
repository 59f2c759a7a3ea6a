using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

internal sealed partial class ActorCell
{
    // The message whose processing failed, for PreRestart.
    private object? _failedMessage;

    /// <summary>The actor threw: suspend and let the parent's strategy decide.</summary>
    internal void HandleInvokeFailure(Exception cause)
    {
        if (_isTerminating || IsTerminated)
        {
            KernelLog.FailureWhileStopping(System.KernelLogger, SelfRef.Path.ToString(), cause);
            return;
        }

        if (_isFailed)
        {
            // Already waiting for the supervisor (a second failure from the same turn); one report is enough.
            return;
        }

        _isFailed = true;
        _failedMessage = _currentEnvelope.Message;
        Parent.SendSystemMessage(new SystemMessage.Failed(SelfRef, cause, SelfRef.Path.Uid));
    }

    private void HandleChildFailure(IInternalActorRef child, Exception cause, long uid)
    {
        var stats = ChildStats(child);
        if (stats is null || stats.Child.Path.Uid != uid)
        {
            // A failure from an incarnation that is no longer our child (already stopped or replaced).
            return;
        }

        var strategy = _actor?.SupervisorStrategyInternal ?? Props.SupervisorStrategy ?? SupervisorStrategy.DefaultStrategy;
        if (!strategy.HandleFailure(this, stats, cause))
        {
            // Escalate: we fail with the child's cause, and our parent decides for us.
            HandleInvokeFailure(cause);
        }
    }

    private void Resume(Exception? causedByFailure)
    {
        if (!_isFailed && causedByFailure is not null)
        {
            return;
        }

        _isFailed = false;
        Mailbox.ScheduleIfNeeded();
    }

    private void Recreate(Exception cause)
    {
        if (_isTerminating || IsTerminated)
        {
            return;
        }

        var failedActor = _actor;
        if (failedActor is not null)
        {
            try
            {
                failedActor.AroundPreRestart(cause, _failedMessage);
            }
            catch (Exception exception)
            {
                KernelLog.PreRestartFailed(System.KernelLogger, SelfRef.Path.ToString(), exception);
            }
        }

        ClearActorInstanceState();
        _isFailed = false;
        _failedMessage = null;
        try
        {
            _actor = NewActor();
            _actor.AroundPostRestart(cause);
        }
        catch (Exception exception)
        {
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(SelfRef, $"{SelfRef.Path}: exception during restart", exception));
            return;
        }

        Mailbox.ScheduleIfNeeded();
    }

    private void Terminate()
    {
        if (_isTerminating || IsTerminated)
        {
            return;
        }

        _isTerminating = true;
        ClearActorInstanceState();
        if (HasChildren)
        {
            StopAllChildren(releaseNames: false);
            return;
        }

        FinishTerminate();
    }

    /// <summary>A child has stopped; if we are stopping and it was the last one, we stop too.</summary>
    private void ChildTerminated(IActorRef child)
    {
        RemoveChild(child);
        if (_isTerminating && !IsTerminated && !HasChildren)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        var actor = _actor;
        try
        {
            actor?.AroundPostStop();
        }
        catch (Exception exception)
        {
            KernelLog.PostStopFailed(System.KernelLogger, SelfRef.Path.ToString(), exception);
        }
        finally
        {
            _actor = null;
            Volatile.Write(ref _isTerminated, true);
            Mailbox.Close(envelope => System.DeadLetters.Tell(
                new DeadLetter(envelope.Message, envelope.Sender, SelfRef), envelope.Sender));
            TellWatchersWeDied();
            UnwatchWatchedActors();
            Parent.SendSystemMessage(new SystemMessage.DeathWatchNotification(SelfRef, ExistenceConfirmed: true));
            System.OnActorTerminated(this);
        }
    }
}
