namespace ActorTrading.Actors;

/// <summary>When a <see cref="BackoffSupervisor"/> restarts its child.</summary>
public enum BackoffMode
{
    /// <summary>When the child fails (throws): the child stays suspended for the delay, then restarts in place,
    /// keeping its mailbox, so nothing sent to it meanwhile is lost. A child that stops by itself stops the
    /// supervisor too.</summary>
    OnFailure,

    /// <summary>When the child stops for any reason, for example a persistent actor after a persist failure:
    /// a new child starts after the delay, and messages sent to the supervisor meanwhile are held for it.
    /// Exceptions are handled by <see cref="BackoffOptions.SupervisorStrategy"/> (by default: stop, then back off).</summary>
    OnStop,
}

/// <summary>How a <see cref="BackoffSupervisor"/> restarts its child.</summary>
public sealed record BackoffOptions
{
    private BackoffOptions(BackoffMode mode, Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor)
    {
        if (minBackoff <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(minBackoff), minBackoff, "minBackoff must be positive");
        }

        if (maxBackoff < minBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBackoff), maxBackoff, "maxBackoff must be at least minBackoff");
        }

        if (randomFactor is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(randomFactor), randomFactor, "randomFactor must be between 0 and 1");
        }

        Mode = mode;
        ChildProps = childProps;
        ChildName = childName;
        MinBackoff = minBackoff;
        MaxBackoff = maxBackoff;
        RandomFactor = randomFactor;
        ResetBackoffAfter = minBackoff * 10;
    }

    /// <summary>Restart on failure or on stop.</summary>
    public BackoffMode Mode { get; }

    /// <summary>The supervised child's props.</summary>
    public Props ChildProps { get; }

    /// <summary>The supervised child's name.</summary>
    public string ChildName { get; }

    /// <summary>The first delay; each further restart doubles it.</summary>
    public TimeSpan MinBackoff { get; }

    /// <summary>The longest delay.</summary>
    public TimeSpan MaxBackoff { get; }

    /// <summary>Up to this fraction of the delay is added at random, so that many children failing
    /// together (a database outage) do not all come back at the same instant.</summary>
    public double RandomFactor { get; }

    /// <summary>After the child has run this long without stopping, the next restart starts again at
    /// <see cref="MinBackoff"/>. Default: ten times the minimum.</summary>
    public TimeSpan ResetBackoffAfter { get; init; }

    /// <summary>Restarts in a row after which the supervisor gives up and stops; negative means never.</summary>
    public int MaxNrOfRetries { get; init; } = -1;

    /// <summary>Messages held while the child is down, delivered when it is back; beyond this they are dead letters.</summary>
    public int BufferCapacity { get; init; } = 10_000;

    /// <summary>A message that, forwarded to the child, means it is meant to stop for good (passivation):
    /// when the child then stops, the supervisor stops as well instead of restarting it.</summary>
    public Func<object, bool>? FinalStopMessage { get; init; }

    /// <summary>The strategy for the child's exceptions in <see cref="BackoffMode.OnStop"/> (default: stop it, then back off).</summary>
    public SupervisorStrategy SupervisorStrategy { get; init; } = SupervisorStrategy.StoppingStrategy;

    /// <summary>Restart the child with backoff when it fails.</summary>
    public static BackoffOptions OnFailure(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor) =>
        new(BackoffMode.OnFailure, childProps, childName, minBackoff, maxBackoff, randomFactor);

    /// <summary>Restart the child with backoff when it stops.</summary>
    public static BackoffOptions OnStop(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor) =>
        new(BackoffMode.OnStop, childProps, childName, minBackoff, maxBackoff, randomFactor);

    /// <summary>The delay before restart number <paramref name="restartCount"/> (0-based), before jitter.</summary>
    public TimeSpan DelayFor(int restartCount, double random)
    {
        var exponential = MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(restartCount, 30));
        var capped = Math.Min(MaxBackoff.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * (1 + (random * RandomFactor)));
    }
}

/// <summary>
/// Wraps a child and restarts it after a growing delay when it fails or stops, so that a child that
/// keeps failing (a database outage, a venue that is down) does not spin. Messages sent to the
/// supervisor go to the child, and none is dropped while the child is down: in
/// <see cref="BackoffMode.OnFailure"/> they wait in the suspended child's own mailbox, in
/// <see cref="BackoffMode.OnStop"/> the supervisor holds them for the next child. This is how entities are wrapped.
/// </summary>
/// <remarks>
/// <code>
///   Running ──child failed──► Suspended (OnFailure) ──timer──► child restarted in place ──► Running
///      │ ──child stopped──► BackingOff (OnStop) ──timer──► new child ──────────────────────► Running
///      │                        retries spent: the child stops and so does the supervisor
///      └──final stop message, child stops──► Stopped
/// </code>
/// </remarks>
public sealed class BackoffSupervisor : ActorBase
{
    private readonly BackoffOptions _options;

    // The child messages are forwarded to; null while a stopped child waits to be replaced (messages are held then).
    private IActorRef? _child;
    private IActorRef? _watchedChild;
    private int _restartCount;
    private bool _finalStopRequested;

    private BackoffSupervisor(BackoffOptions options) => _options = options;

    /// <summary>Asks for the current child; answered with <see cref="CurrentChild"/>.</summary>
    public sealed record GetCurrentChild
    {
        /// <summary>The one instance.</summary>
        public static readonly GetCurrentChild Instance = new();
    }

    /// <summary>The current child, null while a stopped child waits to be replaced.</summary>
    public sealed record CurrentChild(IActorRef? Ref);

    /// <summary>Asks for the number of restarts in a row; answered with <see cref="RestartCount"/>.</summary>
    public sealed record GetRestartCount
    {
        /// <summary>The one instance.</summary>
        public static readonly GetRestartCount Instance = new();
    }

    /// <summary>Restarts in a row so far.</summary>
    public sealed record RestartCount(int Count);

    private sealed record StartChild;

    private sealed record RestartChild(IActorRef Child, Exception Cause);

    private sealed record ResetRestartCount(int Current);

    /// <summary>Props for a supervisor with these options.</summary>
    public static Props Props(BackoffOptions options) => Actors.Props.Create(() => new BackoffSupervisor(options));

    /// <inheritdoc/>
    protected override void PreStart() => StartTheChild();

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => _options.Mode == BackoffMode.OnFailure
        ? new DelayedRestartStrategy(this)
        : new OneForOneStrategy(
            _options.SupervisorStrategy.MaxNumberOfRetries,
            _options.SupervisorStrategy.WithinTimeRange,
            cause =>
            {
                var directive = _options.SupervisorStrategy.Decider(cause);
                if (directive == Directive.Stop)
                {
                    // Hold what arrives from now on for the next child instead of feeding a dying one.
                    _child = null;
                }

                return directive;
            });

    /// <inheritdoc/>
    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated terminated when terminated.ActorRef.Equals(_watchedChild):
                ChildStopped();
                return true;
            case Terminated:
                // A previous child's notification, already handled.
                return true;
            case StartChild:
                StartTheChild();
                Stash.UnstashAll();
                return true;
            case RestartChild restart when restart.Child.Equals(_watchedChild):
                ((IInternalActorRef)restart.Child).SendSystemMessage(new SystemMessage.Recreate(restart.Cause));
                StartResetTimer();
                return true;
            case RestartChild:
                return true;
            case ResetRestartCount reset:
                if (reset.Current == _restartCount)
                {
                    _restartCount = 0;
                }

                return true;
            case Sharding.Passivate passivate when Sender.Equals(_watchedChild):
                // An entity asks its shard to passivate it; the shard must see the supervisor, which it knows.
                Context.Parent.Tell(passivate, Self);
                return true;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                return true;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                return true;
        }

        if (_options.FinalStopMessage?.Invoke(message) == true)
        {
            _finalStopRequested = true;
            if (_watchedChild is null)
            {
                Context.Stop(Self);
                return true;
            }
        }

        if (_child is not null)
        {
            _child.Forward(message);
        }
        else if (Stash.Count < _options.BufferCapacity)
        {
            Stash.Stash();
        }
        else
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
        }

        return true;
    }

    private void StartTheChild()
    {
        _child = _watchedChild = Context.Watch(Context.ActorOf(_options.ChildProps, _options.ChildName));
        StartResetTimer();
    }

    private void StartResetTimer()
    {
        if (_restartCount > 0)
        {
            Timers.StartSingleTimer(typeof(ResetRestartCount), new ResetRestartCount(_restartCount), _options.ResetBackoffAfter);
        }
    }

    /// <summary>Counts one more restart and returns its delay, or null when the retries are spent.</summary>
    private TimeSpan? NextBackoff()
    {
        Timers.Cancel(typeof(ResetRestartCount));
        if (_options.MaxNrOfRetries >= 0 && _restartCount >= _options.MaxNrOfRetries)
        {
            KernelLog.BackoffGaveUp(Context.System.KernelLogger, Self.Path.ToString(), _restartCount);
            return null;
        }

        var delay = _options.DelayFor(_restartCount, Random.Shared.NextDouble());
        _restartCount++;
        KernelLog.BackoffRestart(Context.System.KernelLogger, Self.Path.ToString(), (long)delay.TotalMilliseconds, _restartCount);
        return delay;
    }

    private void ChildStopped()
    {
        _child = _watchedChild = null;
        if (_finalStopRequested || _options.Mode == BackoffMode.OnFailure || NextBackoff() is not { } delay)
        {
            Context.Stop(Self);
            return;
        }

        Timers.StartSingleTimer(typeof(StartChild), new StartChild(), delay);
    }

    /// <summary>Restarts a failed child after the backoff delay instead of at once; until then the child stays
    /// suspended and its mailbox keeps filling.</summary>
    private sealed class DelayedRestartStrategy(BackoffSupervisor supervisor) : SupervisorStrategy(-1, null, DefaultDecider)
    {
        private protected override void ProcessFailure(ActorCell cell, bool restart, ChildRestartStats failed, Exception cause)
        {
            if (restart && supervisor.NextBackoff() is { } delay)
            {
                supervisor.Timers.StartSingleTimer(typeof(RestartChild), new RestartChild(failed.Child, cause), delay);
            }
            else
            {
                cell.Stop(failed.Child);
            }
        }
    }
}
