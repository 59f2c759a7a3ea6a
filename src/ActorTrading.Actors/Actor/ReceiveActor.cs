namespace ActorTrading.Actors;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, tried in the order they were declared.
/// <see cref="Become"/> swaps the whole list; <see cref="BecomeStacked"/> pushes one that
/// <see cref="UnbecomeStacked"/> pops.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly Stack<List<Handler>> _behaviours = new();
    private List<Handler>? _building;

    /// <summary>Handlers are declared in the constructor.</summary>
    protected ReceiveActor()
    {
        _building = [];
        _behaviours.Push(_building);
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> (and subtypes) that match <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) =>
        Add(new SyncHandler<T>(handler, shouldHandle));

    /// <summary>Handles messages of type <typeparamref name="T"/> that match <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) =>
        Add(new SyncHandler<T>(handler, shouldHandle));

    /// <summary>Handles with a handler that says itself whether it handled the message.</summary>
    protected void Receive<T>(Func<T, bool> handler) => Add(new SyncFuncHandler<T>(handler));

    /// <summary>
    /// Handles with an async handler. No other user message is processed until the returned task
    /// completes, and its continuations run inside the actor's turn, so the actor's fields are safe
    /// to use after an await. A faulted task fails the actor like a throwing handler.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) =>
        Add(new AsyncHandler<T>(Cell, handler, shouldHandle));

    /// <summary>Async handler for messages that match <paramref name="shouldHandle"/>; see the other overload.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) =>
        Add(new AsyncHandler<T>(Cell, handler, shouldHandle));

    /// <summary>Handles everything not matched by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => Add(new SyncHandler<object>(handler, null));

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> declares.</summary>
    protected void Become(Action configure)
    {
        _behaviours.Clear();
        _behaviours.Push(Build(configure));
    }

    /// <summary>Pushes a behaviour on top of the current one.</summary>
    protected void BecomeStacked(Action configure) => _behaviours.Push(Build(configure));

    /// <summary>Returns to the behaviour below the top one.</summary>
    protected void UnbecomeStacked()
    {
        if (_behaviours.Count > 1)
        {
            _behaviours.Pop();
        }
    }

    /// <inheritdoc/>
    protected internal sealed override bool Receive(object message)
    {
        _building = null;
        var handlers = _behaviours.Peek();
        for (var i = 0; i < handlers.Count; i++)
        {
            if (handlers[i].TryHandle(message))
            {
                return true;
            }
        }

        return false;
    }

    private List<Handler> Build(Action configure)
    {
        var previous = _building;
        _building = [];
        try
        {
            configure();
            return _building;
        }
        finally
        {
            _building = previous;
        }
    }

    private void Add(Handler handler)
    {
        if (_building is null)
        {
            throw new InvalidOperationException(
                "Receive handlers can only be declared in the constructor or inside Become/BecomeStacked");
        }

        _building.Add(handler);
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class SyncHandler<T>(Action<T> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                handler(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class SyncFuncHandler<T>(Func<T, bool> handler) : Handler
    {
        public override bool TryHandle(object message) => message is T typed && handler(typed);
    }

    private sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is not T typed || (shouldHandle is not null && !shouldHandle(typed)))
            {
                return false;
            }

            cell.RunAsync(() => handler(typed));
            return true;
        }
    }
}
