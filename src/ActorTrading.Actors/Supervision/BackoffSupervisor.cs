namespace ActorTrading.Actors;

/// <summary>When a <see cref="BackoffSupervisor"/> restarts its child.</summary>
public enum BackoffMode
{
    /// <summary>When the child fails (throws); a child that stops by itself stops the supervisor too.</summary>
    OnFailure,

    /// <summary>When the child stops for any reason, for example a persistent actor after a persist failure.
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
/// supervisor go to the child; while the child is down they are held and delivered once it is back.
/// This is how every entity is wrapped.
/// </summary>
/// <remarks>
/// <code>
///   Running ──child stopped/failed──► BackingOff ──timer──► Running
///      │                                 │ retries spent
///      └──final stop message, child stops──► Stopped ◄──┘
/// </code>
/// </remarks>
public sealed class BackoffSupervisor : ActorBase
{
    private readonly BackoffOptions _options;
    // The child messages are forwarded to; null while it is stopping or backing off (messages are held then).
    private IActorRef? _child;
    private IActorRef? _watchedChild;
    private int _restartCount;
    private bool _childFailed;
    private bool _finalStopRequested;

    private BackoffSupervisor(BackoffOptions options) => _options = options;

    /// <summary>Asks for the current child; answered with <see cref="CurrentChild"/>.</summary>
    public sealed record GetCurrentChild
    {
        /// <summary>The one instance.</summary>
        public static readonly GetCurrentChild Instance = new();
    }

    /// <summary>The current child, null while backing off.</summary>
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

    private sealed record ResetRestartCount(int Current);

    /// <summary>Props for a supervisor with these options.</summary>
    public static Props Props(BackoffOptions options) => Actors.Props.Create(() => new BackoffSupervisor(options));

    /// <inheritdoc/>
    protected override void PreStart() => StartTheChild();

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => _options.Mode == BackoffMode.OnFailure
        ? new OneForOneStrategy(_ =>
        {
            _childFailed = true;
            _child = null;
            return Directive.Stop;
        })
        : new OneForOneStrategy(
            _options.SupervisorStrategy.MaxNumberOfRetries,
            _options.SupervisorStrategy.WithinTimeRange,
            cause =>
            {
                var directive = _options.SupervisorStrategy.Decider(cause);
                if (directive == Directive.Stop)
                {
                    // Hold what arrives from now on for the next incarnation instead of feeding a dying one.
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
            case StartChild:
                StartTheChild();
                Stash.UnstashAll();
                return true;
            case ResetRestartCount reset:
                if (reset.Current == _restartCount)
                {
                    _restartCount = 0;
                }

                return true;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                return true;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                return true;
            case Terminated:
                // A previous child's notification, already handled.
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
        _childFailed = false;
        _child = _watchedChild = Context.Watch(Context.ActorOf(_options.ChildProps, _options.ChildName));
        if (_restartCount > 0)
        {
            Timers.StartSingleTimer(typeof(ResetRestartCount), new ResetRestartCount(_restartCount), _options.ResetBackoffAfter);
        }
    }

    private void ChildStopped()
    {
        _child = _watchedChild = null;
        Timers.Cancel(typeof(ResetRestartCount));
        var restart = !_finalStopRequested && (_options.Mode == BackoffMode.OnStop || _childFailed);
        if (!restart)
        {
            Context.Stop(Self);
            return;
        }

        if (_options.MaxNrOfRetries >= 0 && _restartCount >= _options.MaxNrOfRetries)
        {
            KernelLog.BackoffGaveUp(Context.System.KernelLogger, Self.Path.ToString(), _restartCount);
            Context.Stop(Self);
            return;
        }

        var delay = _options.DelayFor(_restartCount, Random.Shared.NextDouble());
        _restartCount++;
        KernelLog.BackoffRestart(Context.System.KernelLogger, Self.Path.ToString(), (long)delay.TotalMilliseconds, _restartCount);
        Timers.StartSingleTimer(typeof(StartChild), new StartChild(), delay);
    }
}
