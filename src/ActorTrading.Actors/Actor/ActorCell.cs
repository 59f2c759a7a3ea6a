using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>
/// The runtime side of one actor incarnation: its mailbox, its current instance, its children, its
/// watchers and its lifecycle. Everything here runs on the actor's own turn (see <see cref="Mailbox"/>)
/// unless a member says otherwise.
/// </summary>
/// <remarks>
/// <code>
///   Create ──► Running ──failure──► Suspended ──Resume──► Running
///                 │                     │ Recreate: PreRestart, new instance, PostRestart
///                 │                     └────────────────────────► Running
///                 └──Terminate──► Terminating (children stop) ──► PostStop ──► Terminated
/// </code>
/// </remarks>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_current;

    private ActorBase? _actor;
    private Envelope _currentEnvelope;
    private bool _isFailed;
    private bool _isTerminating;
    private bool _isTerminated;
    private bool _awaitingAsync;
    private ILogger? _log;

    public ActorCell(ActorSystem system, LocalActorRef self, Props props, IInternalActorRef parent, Mailbox mailbox)
    {
        System = system;
        SelfRef = self;
        Props = props;
        Parent = parent;
        Mailbox = mailbox;
        mailbox.SetCell(this);
    }

    /// <summary>The cell whose turn is running on this thread, if any.</summary>
    internal static ActorCell? Current
    {
        get => t_current;
        set => t_current = value;
    }

    public ActorSystem System { get; }

    public Props Props { get; }

    public Mailbox Mailbox { get; }

    public LocalActorRef SelfRef { get; }

    public IActorRef Self => SelfRef;

    public IInternalActorRef Parent { get; }

    IActorRef IActorContext.Parent => Parent;

    public IActorRef Sender => _currentEnvelope.Sender ?? System.DeadLetters;

    public ActorBase? Actor => _actor;

    public bool IsTerminated => Volatile.Read(ref _isTerminated);

    public bool CanProcessUserMessages => !_isFailed && !_isTerminating && !_awaitingAsync;

    public ILogger Log => _log ??= System.LoggerFactory.CreateLogger(Props.ActorType?.FullName ?? "ActorTrading.Actors.Actor");

    /// <summary>Processes one user message.</summary>
    public void Invoke(Envelope envelope)
    {
        if (envelope.Message is TimerMessage timer)
        {
            // A timer cancelled or replaced after its message was enqueued is dropped here.
            if (timer.Owner.Accept(timer) is not { } payload)
            {
                return;
            }

            envelope = envelope with { Message = payload };
        }

        _currentEnvelope = envelope;
        try
        {
            switch (envelope.Message)
            {
                case IAutoReceivedMessage auto:
                    AutoReceive(auto);
                    break;
                default:
                    _actor!.AroundReceive(envelope.Message);
                    break;
            }
        }
        catch (Exception exception)
        {
            HandleInvokeFailure(exception);
        }
        finally
        {
            _currentEnvelope = default;
        }
    }

    /// <summary>Processes one system message.</summary>
    public void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case SystemMessage.Create:
                    Create();
                    break;
                case SystemMessage.Recreate recreate:
                    Recreate(recreate.Cause);
                    break;
                case SystemMessage.Resume resume:
                    Resume(resume.CausedByFailure);
                    break;
                case SystemMessage.Terminate:
                    Terminate();
                    break;
                case SystemMessage.Watch watch:
                    AddWatcher(watch.Watchee, watch.Watcher);
                    break;
                case SystemMessage.Unwatch unwatch:
                    RemoveWatcher(unwatch.Watchee, unwatch.Watcher);
                    break;
                case SystemMessage.DeathWatchNotification notification:
                    WatchedActorTerminated(notification.Actor, notification.ExistenceConfirmed);
                    break;
                case SystemMessage.Failed failed:
                    HandleChildFailure(failed.Child, failed.Cause, failed.Uid);
                    break;
                case SystemMessage.RunContinuation continuation:
                    RunContinuation(continuation);
                    break;
            }
        }
        catch (Exception exception)
        {
            HandleInvokeFailure(exception);
        }
    }

    /// <summary>Answers system messages that arrive after this cell stopped. Any thread.</summary>
    public void HandleSystemMessageAfterStop(SystemMessage message)
    {
        switch (message)
        {
            case SystemMessage.Watch watch when !ReferenceEquals(watch.Watcher, SelfRef):
                watch.Watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(SelfRef, ExistenceConfirmed: true));
                break;
            case SystemMessage.Failed failed:
                // A child failed while we were stopping: it is being stopped with us.
                failed.Child.SendSystemMessage(new SystemMessage.Terminate());
                break;
        }
    }

    /// <summary>Sends to this actor from inside its own turn or from anywhere.</summary>
    public void Post(object message, IActorRef? sender)
    {
        if (!Mailbox.Post(new Envelope(message, sender)))
        {
            System.DeadLetters.Tell(new DeadLetter(message, sender, SelfRef), sender);
        }
    }

    private void AutoReceive(IAutoReceivedMessage message)
    {
        switch (message)
        {
            case PoisonPill:
                Terminate();
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify identify:
                Sender.Tell(new ActorIdentity(identify.MessageId, SelfRef), SelfRef);
                break;
            case Terminated terminated:
                if (!_actor!.AroundReceive(terminated))
                {
                    throw new DeathPactException(terminated.ActorRef);
                }

                break;
            default:
                _actor!.AroundReceive(message);
                break;
        }
    }

    private void Create()
    {
        try
        {
            _actor = NewActor();
            _actor.AroundPreStart();
        }
        catch (Exception exception)
        {
            throw new ActorInitializationException(SelfRef, $"{SelfRef.Path}: exception during creation", exception);
        }
    }

    private ActorBase NewActor()
    {
        var previous = ActorBase.CellUnderConstruction;
        ActorBase.CellUnderConstruction = this;
        try
        {
            return Props.NewActor();
        }
        finally
        {
            ActorBase.CellUnderConstruction = previous;
        }
    }

    /// <summary>Drops what the current instance left behind: timers, pending async work.</summary>
    private void ClearActorInstanceState()
    {
        _actor?.ClearTimers();
        _awaitingAsync = false;
    }
}
