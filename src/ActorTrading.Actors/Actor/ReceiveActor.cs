namespace ActorTrading.Actors;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, tried in the order they were declared.
/// <see cref="Become"/> swaps the whole list; <see cref="BecomeStacked"/> pushes one that
/// <see cref="UnbecomeStacked"/> pops.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly BehaviorStack _behaviors = new();

    /// <summary>Handles messages of type <typeparamref name="T"/> (and subtypes) that match <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => _behaviors.Building.Add(handler, shouldHandle);

    /// <summary>Handles messages of type <typeparamref name="T"/> that match <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => _behaviors.Building.Add(handler, shouldHandle);

    /// <summary>Handles with a handler that says itself whether it handled the message.</summary>
    protected void Receive<T>(Func<T, bool> handler) => _behaviors.Building.Add(handler);

    /// <summary>
    /// Handles with an async handler. No other user message is processed until the returned task
    /// completes, and its continuations run inside the actor's turn, so the actor's fields are safe
    /// to use after an await. A faulted task fails the actor like a throwing handler.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) =>
        _behaviors.Building.AddAsync(Cell, handler, shouldHandle);

    /// <summary>Async handler for messages that match <paramref name="shouldHandle"/>; see the other overload.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) =>
        _behaviors.Building.AddAsync(Cell, handler, shouldHandle);

    /// <summary>Handles everything not matched by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => _behaviors.Building.Add(handler, null);

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> declares.</summary>
    protected void Become(Action configure) => _behaviors.Become(configure);

    /// <summary>Pushes a behaviour on top of the current one.</summary>
    protected void BecomeStacked(Action configure) => _behaviors.BecomeStacked(configure);

    /// <summary>Returns to the behaviour below the top one.</summary>
    protected void UnbecomeStacked() => _behaviors.UnbecomeStacked();

    /// <inheritdoc/>
    protected internal sealed override bool Receive(object message) => _behaviors.TryHandle(message);
}
