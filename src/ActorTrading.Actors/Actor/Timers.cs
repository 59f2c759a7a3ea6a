namespace ActorTrading.Actors;

/// <summary>Timers that belong to one actor (Akka's <c>ITimerScheduler</c>).</summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> to self once after <paramref name="delay"/>; replaces a timer with the same key.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Sends <paramref name="message"/> to self every <paramref name="interval"/>; replaces a timer with the same key.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Sends every <paramref name="interval"/> after a first <paramref name="initialDelay"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>Whether a timer with this key is pending.</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels the timer; its message is not delivered even if already enqueued.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer of this actor.</summary>
    void CancelAll();
}

/// <summary>
/// A timer's message travels wrapped with the timer's generation; when it reaches the head of the
/// mailbox, a message from a cancelled or replaced timer is dropped there.
/// </summary>
internal sealed record TimerMessage(object Key, int Generation, object Message, TimerScheduler Owner);

internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, (int Generation, ITimer Timer, bool Repeating)> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) =>
        Start(key, message, delay, Timeout.InfiniteTimeSpan, repeating: false);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval, repeating: true);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval, repeating: true);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>Unwraps a timer message on the actor's turn; null when the timer is stale.</summary>
    public object? Accept(TimerMessage message)
    {
        if (!_timers.TryGetValue(message.Key, out var timer) || timer.Generation != message.Generation)
        {
            return null;
        }

        if (!timer.Repeating)
        {
            _timers.Remove(message.Key);
        }

        return message.Message;
    }

    private void Start(object key, object message, TimeSpan due, TimeSpan period, bool repeating)
    {
        Cancel(key);
        var generation = ++_generation;
        var wrapped = new TimerMessage(key, generation, message, this);
        var self = cell.SelfRef;
        var timer = cell.System.TimeProvider.CreateTimer(
            static state =>
            {
                var (target, payload) = ((LocalActorRef, TimerMessage))state!;
                target.Tell(payload, target);
            },
            (self, wrapped),
            due,
            period);
        _timers[key] = (generation, timer, repeating);
    }
}
