namespace ActorTrading.Actors;

/// <summary>Something scheduled that can be called off.</summary>
public interface ICancelable
{
    /// <summary>Whether <see cref="Cancel"/> was called.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Calls it off; a message already enqueued is still delivered (use actor timers to avoid that).</summary>
    void Cancel();
}

/// <summary>Sends messages later (Akka's <c>IScheduler</c>). Actors should prefer their own <see cref="ITimerScheduler"/>.</summary>
public interface IScheduler
{
    /// <summary>Tells once after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender);

    /// <summary>Tells every <paramref name="interval"/> after <paramref name="initialDelay"/>.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender);
}

internal sealed class Scheduler(TimeProvider time) : IScheduler, IDisposable
{
    private readonly HashSet<Scheduled> _pending = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, receiver, message, sender);

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender) =>
        Schedule(initialDelay, interval, receiver, message, sender);

    public void Dispose()
    {
        Scheduled[] pending;
        lock (_lock)
        {
            _disposed = true;
            pending = [.. _pending];
            _pending.Clear();
        }

        foreach (var scheduled in pending)
        {
            scheduled.Cancel();
        }
    }

    private Scheduled Schedule(TimeSpan due, TimeSpan period, IActorRef receiver, object message, IActorRef? sender)
    {
        var scheduled = new Scheduled(this, receiver, message, sender, repeating: period != Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            if (_disposed)
            {
                throw new InvalidOperationException("the actor system has terminated; nothing can be scheduled");
            }

            _pending.Add(scheduled);
        }

        scheduled.Start(time, due, period);
        return scheduled;
    }

    private void Remove(Scheduled scheduled)
    {
        lock (_lock)
        {
            _pending.Remove(scheduled);
        }
    }

    private sealed class Scheduled(Scheduler owner, IActorRef receiver, object message, IActorRef? sender, bool repeating) : ICancelable
    {
        private ITimer? _timer;
        private int _cancelled;

        public bool IsCancellationRequested => Volatile.Read(ref _cancelled) == 1;

        public void Start(TimeProvider time, TimeSpan due, TimeSpan period) =>
            _timer = time.CreateTimer(static state => ((Scheduled)state!).Fire(), this, due, period);

        public void Cancel()
        {
            if (Interlocked.Exchange(ref _cancelled, 1) == 0)
            {
                _timer?.Dispose();
                owner.Remove(this);
            }
        }

        private void Fire()
        {
            if (IsCancellationRequested)
            {
                return;
            }

            receiver.Tell(message, sender);
            if (!repeating)
            {
                Cancel();
            }
        }
    }
}
