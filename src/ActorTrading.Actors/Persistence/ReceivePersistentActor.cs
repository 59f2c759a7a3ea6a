namespace ActorTrading.Actors.Persistence;

/// <summary>
/// A persistent actor declared with typed handlers: <see cref="Recover{T}(Action{T})"/> for recovery and
/// <see cref="Command{T}(Action{T}, Predicate{T})"/> for commands, in the constructor (or in <see cref="Become"/> for commands).
/// </summary>
public abstract class ReceivePersistentActor : PersistentActor
{
    private readonly Behavior _recover = new();
    private readonly BehaviorStack _commands = new();
    private bool _declaring = true;

    /// <summary>Handles a recovered event or <see cref="SnapshotOffer"/> / <see cref="RecoveryCompleted"/>.</summary>
    protected void Recover<T>(Action<T> handler)
    {
        if (!_declaring)
        {
            throw new InvalidOperationException("Recover handlers can only be declared in the constructor");
        }

        _recover.Add(handler, null);
    }

    /// <summary>Handles commands of type <typeparamref name="T"/>.</summary>
    protected void Command<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => _commands.Building.Add(handler, shouldHandle);

    /// <summary>Handles commands of type <typeparamref name="T"/> that match <paramref name="shouldHandle"/>.</summary>
    protected void Command<T>(Predicate<T> shouldHandle, Action<T> handler) => _commands.Building.Add(handler, shouldHandle);

    /// <summary>Handles any command not matched before.</summary>
    protected void CommandAny(Action<object> handler) => _commands.Building.Add(handler, null);

    /// <summary>Replaces the command behaviour.</summary>
    protected void Become(Action configure) => _commands.Become(configure);

    /// <inheritdoc/>
    protected sealed override bool ReceiveRecover(object message)
    {
        _declaring = false;
        return _recover.TryHandle(message);
    }

    /// <inheritdoc/>
    protected sealed override bool ReceiveCommand(object message) => _commands.TryHandle(message);
}
