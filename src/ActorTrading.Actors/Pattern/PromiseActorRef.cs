namespace ActorTrading.Actors;

/// <summary>
/// A temporary ref that completes a task with the first message it receives: the reply address of an
/// ask. It also accepts a death-watch notification, which is how graceful stop learns of a stop.
/// </summary>
internal sealed class PromiseActorRef : IInternalActorRef
{
    private static long s_counter;
    private readonly TaskCompletionSource<object> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _timer;
    private ActorPath? _path;

    // The timeout's text is made only when it fires (from what and whom), never for the asks that get their answer.
    public PromiseActorRef(ActorSystem system, TimeSpan timeout, string what, IActorRef whom)
    {
        System = system;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = system.TimeProvider.CreateTimer(
                static state =>
                {
                    var (self, what, whom, after) = ((PromiseActorRef, string, IActorRef, TimeSpan))state!;
                    self._promise.TrySetException(new AskTimeoutException($"{what} of {whom.Path}: no answer within {after.TotalMilliseconds:0} ms"));
                    self.Unregister();
                },
                (this, what, whom, timeout),
                timeout,
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Made (and registered, so that the path, serialized as a reply address, resolves back to this ref until the
    /// ask ends) only when asked for: a local ask, the common case, never needs it.</summary>
    public ActorPath Path
    {
        get
        {
            if (Volatile.Read(ref _path) is { } path)
            {
                return path;
            }

            var made = System.Provider.RootPath.Child("temp").Child("$" + Interlocked.Increment(ref s_counter).ToString("x", global::System.Globalization.CultureInfo.InvariantCulture));
            if (Interlocked.CompareExchange(ref _path, made, null) is { } other)
            {
                return other;
            }

            System.LocalProvider.RegisterTemp(this);

            // Answered while it was being registered: the answer's own unregistering may have come first.
            if (_promise.Task.IsCompleted)
            {
                Unregister();
            }

            return made;
        }
    }

    public ActorSystem System { get; }

    public bool IsTerminated => _promise.Task.IsCompleted;

    public Task<object> Result => _promise.Task;

    public void Tell(object message, IActorRef? sender)
    {
        var accepted = message is Status.Failure failure
            ? _promise.TrySetException(failure.Cause)
            : _promise.TrySetResult(message);
        if (accepted)
        {
            _timer?.Dispose();
            Unregister();
        }
        else
        {
            System.DeadLetters.Tell(new DeadLetter(message, sender, this), sender);
        }
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is SystemMessage.DeathWatchNotification notification)
        {
            Tell(new Terminated(notification.Actor, notification.ExistenceConfirmed), notification.Actor);
        }
    }

    private void Unregister()
    {
        if (Volatile.Read(ref _path) is not null)
        {
            System.LocalProvider.UnregisterTemp(this);
        }
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override string ToString() => $"[{Path}]";
}
