namespace ActorTrading.Actors;

/// <summary>The everyday verbs on refs: tell with the implicit sender, forward, ask, graceful stop.</summary>
public static class ActorRefExtensions
{
    /// <summary>Tells with the current actor as sender (no sender outside an actor).</summary>
    public static void Tell(this IActorRef receiver, object message) => receiver.Tell(message, ActorCell.Current?.Self);

    /// <summary>Tells keeping the original sender of the message being processed.</summary>
    public static void Forward(this IActorRef receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.Sender ?? throw new InvalidOperationException("Forward can only be used inside an actor"));

    /// <summary>Sends <paramref name="message"/> and waits for one reply. A <see cref="Status.Failure"/> reply
    /// throws its cause; no reply in time throws <see cref="AskTimeoutException"/>.</summary>
    public static Task<T> Ask<T>(this IActorRef receiver, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Ask<T>(receiver, _ => message, timeout, cancellationToken);

    /// <summary>Asks with a message that names its reply address (<c>replyTo => new GetState(replyTo)</c>),
    /// the form to prefer for protocols that outlive a single hop.</summary>
    public static async Task<T> Ask<T>(this IActorRef receiver, Func<IActorRef, object> messageFactory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var system = SystemOf(receiver);
        var after = timeout ?? system.Settings.DefaultAskTimeout;
        var promise = new PromiseActorRef(system, after, "ask", receiver);
        var message = messageFactory(promise);
        receiver.Tell(message, promise);
        var reply = cancellationToken.CanBeCanceled
            ? await promise.Result.WaitAsync(cancellationToken)
            : await promise.Result;
        return reply is T typed
            ? typed
            : throw new InvalidCastException(
                $"ask of {receiver.Path} with {message.GetType().Name} expected {typeof(T).Name} but got {reply.GetType().Name}");
    }

    /// <summary>Sends <paramref name="stopMessage"/> (PoisonPill by default) and completes with true once the
    /// actor has stopped, false when it has not within <paramref name="timeout"/>.</summary>
    public static async Task<bool> GracefulStop(this IActorRef actor, TimeSpan timeout, object? stopMessage = null)
    {
        if (actor is not IInternalActorRef internalRef)
        {
            throw new ArgumentException($"{actor.Path} cannot be watched from here", nameof(actor));
        }

        var watcher = new PromiseActorRef(internalRef.System, timeout, "graceful stop", actor);
        internalRef.SendSystemMessage(new SystemMessage.Watch(internalRef, watcher));
        actor.Tell(stopMessage ?? PoisonPill.Instance, null);
        try
        {
            return await watcher.Result is Terminated;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends the task's result (or <see cref="Status.Failure"/>) to <paramref name="recipient"/> when it completes;
    /// the way an actor gets the outcome of async work back into its own turn.</summary>
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        if (!task.IsCompleted)
        {
            return task.ContinueWith(
                completed => Deliver(completed, recipient, sender, success, failure),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        // Already done (a paper account, a cached answer): told at once, as the continuation would have been, without
        // allocating one. A throwing mapping faults the returned task either way.
        try
        {
            Deliver(task, recipient, sender, success, failure);
            return Task.CompletedTask;
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    private static void Deliver<T>(Task<T> completed, IActorRef recipient, IActorRef? sender, Func<T, object>? success, Func<Exception, object>? failure)
    {
        var message = completed.IsCompletedSuccessfully
            ? success is null ? completed.Result! : success(completed.Result)
            : failure is null
                ? new Status.Failure(completed.Exception?.InnerException ?? new TaskCanceledException(completed))
                : failure(completed.Exception?.InnerException ?? new TaskCanceledException(completed));
        recipient.Tell(message, sender);
    }

    private static ActorSystem SystemOf(IActorRef actor) =>
        (actor as IInternalActorRef)?.System ?? ActorCell.Current?.System
        ?? throw new ArgumentException($"cannot ask {actor.Path}: it belongs to no actor system known here", nameof(actor));
}
