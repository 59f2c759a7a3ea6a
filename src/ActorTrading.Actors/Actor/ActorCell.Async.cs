namespace ActorTrading.Actors;

internal sealed partial class ActorCell
{
    private ActorSynchronizationContext? _synchronizationContext;
    private Envelope _asyncEnvelope;

    /// <summary>
    /// Runs an async handler: its continuations are posted back to this cell as system messages, and
    /// user messages wait until the task is done.
    /// </summary>
    internal void RunAsync(Func<Task> handler)
    {
        var context = _synchronizationContext ??= new ActorSynchronizationContext(this);
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        Task task;
        try
        {
            task = handler();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (task.IsCompleted)
        {
            // Synchronous completion: surface a fault now, in this turn.
            task.GetAwaiter().GetResult();
            return;
        }

        var sender = _currentEnvelope;
        _asyncEnvelope = sender;
        _awaitingAsync = true;
        task.ContinueWith(
            static (completed, state) =>
            {
                var (cell, envelope, incarnation) = ((ActorCell, Envelope, ActorBase?))state!;
                cell.Mailbox.PostSystem(new SystemMessage.RunContinuation(
                    static s =>
                    {
                        var (c, env, inst, t) = ((ActorCell, Envelope, ActorBase?, Task))s!;
                        c.AsyncHandlerCompleted(env, inst, t);
                    },
                    (cell, envelope, incarnation, completed)));
            },
            (this, sender, _actor),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void AsyncHandlerCompleted(Envelope envelope, ActorBase? incarnation, Task task)
    {
        if (!ReferenceEquals(incarnation, _actor) || !_awaitingAsync)
        {
            // The instance that started the task has been restarted or stopped meanwhile.
            return;
        }

        _awaitingAsync = false;
        _asyncEnvelope = default;
        if (task.IsFaulted || task.IsCanceled)
        {
            _currentEnvelope = envelope;
            try
            {
                HandleInvokeFailure(task.Exception?.InnerException ?? new TaskCanceledException(task));
            }
            finally
            {
                _currentEnvelope = default;
            }

            return;
        }

        Mailbox.ScheduleIfNeeded();
    }

    private void RunContinuation(SystemMessage.RunContinuation continuation)
    {
        if (IsTerminated)
        {
            return;
        }

        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        _currentEnvelope = _asyncEnvelope;
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            _currentEnvelope = default;
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>Posts continuations of async handlers back into the actor's turn.</summary>
    private sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) =>
            cell.Mailbox.PostSystem(new SystemMessage.RunContinuation(d, state));

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("synchronous Send into an actor would deadlock its turn");

        public override SynchronizationContext CreateCopy() => this;
    }
}
