namespace ActorTrading.Actors;

/// <summary>An ordered list of typed handlers: the first one that accepts a message handles it.</summary>
internal sealed class Behavior
{
    private readonly List<Handler> _handlers = [];

    public void Add<T>(Action<T> handler, Predicate<T>? shouldHandle) => _handlers.Add(new SyncHandler<T>(handler, shouldHandle));

    public void Add<T>(Func<T, bool> handler) => _handlers.Add(new SyncFuncHandler<T>(handler));

    public void AddAsync<T>(ActorCell cell, Func<T, Task> handler, Predicate<T>? shouldHandle) =>
        _handlers.Add(new AsyncHandler<T>(cell, handler, shouldHandle));

    public bool TryHandle(object message)
    {
        var handlers = _handlers;
        for (var i = 0; i < handlers.Count; i++)
        {
            if (handlers[i].TryHandle(message))
            {
                return true;
            }
        }

        return false;
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

/// <summary>The behaviour stack of Become / BecomeStacked / UnbecomeStacked, and the declaration scope
/// in which Receive calls add to a behaviour (the constructor, or the body passed to Become).</summary>
internal sealed class BehaviorStack
{
    private readonly Stack<Behavior> _stack = new();
    private Behavior? _building;

    public BehaviorStack()
    {
        _building = new Behavior();
        _stack.Push(_building);
    }

    public Behavior Building => _building
        ?? throw new InvalidOperationException("handlers can only be declared in the constructor or inside Become/BecomeStacked");

    public bool TryHandle(object message)
    {
        _building = null;
        return _stack.Peek().TryHandle(message);
    }

    public void Become(Action configure)
    {
        var behavior = Build(configure);
        _stack.Clear();
        _stack.Push(behavior);
    }

    public void BecomeStacked(Action configure) => _stack.Push(Build(configure));

    public void UnbecomeStacked()
    {
        if (_stack.Count > 1)
        {
            _stack.Pop();
        }
    }

    private Behavior Build(Action configure)
    {
        var previous = _building;
        _building = new Behavior();
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
}
