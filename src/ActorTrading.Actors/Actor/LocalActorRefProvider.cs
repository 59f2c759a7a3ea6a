using System.Collections.Concurrent;

namespace ActorTrading.Actors;

/// <summary>
/// The provider of a system whose actors all live in this process: refs are mailboxes here, and a path resolves by
/// walking the guardians' children (or the ask refs under <c>/temp</c>).
/// </summary>
public sealed class LocalActorRefProvider : IActorRefProvider
{
    private readonly ActorSystem _system;
    private readonly Address _localScope;
    private readonly ConcurrentDictionary<string, IActorRef> _temp = new(StringComparer.Ordinal);

    internal LocalActorRefProvider(ActorSystem system, Address address)
    {
        _system = system;
        Address = address;
        RootPath = new ActorPath(address, []);
        // Paths made before the system had a host (or printed without one) still name this system.
        _localScope = Address.Local(address.System);
    }

    /// <inheritdoc/>
    public Address Address { get; }

    /// <inheritdoc/>
    public ActorPath RootPath { get; }

    /// <inheritdoc/>
    public IActorRef ResolveActorRef(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.Address.Equals(Address) && !path.Address.Equals(_localScope))
        {
            throw new UnknownAddressException(path, Address);
        }

        return Find(path) ?? new EmptyLocalActorRef(_system, path with { Address = Address });
    }

    /// <inheritdoc/>
    public IActorRef ActorOf(Props props, IActorRef supervisor, ActorPath path) =>
        supervisor is IInternalActorRef parent
            ? CreateLocal(props, parent, path)
            : throw new ArgumentException($"supervisor {supervisor} is not a ref of this system", nameof(supervisor));

    internal LocalActorRef CreateLocal(Props props, IInternalActorRef parent, ActorPath path) =>
        new(_system, path, props, parent, props.Throughput ?? _system.Settings.Throughput, _system.DispatcherOf(props));

    internal void RegisterTemp(IActorRef temp) => _temp[temp.Path.Name] = temp;

    internal void UnregisterTemp(IActorRef temp) => _temp.TryRemove(new KeyValuePair<string, IActorRef>(temp.Path.Name, temp));

    private IActorRef? Find(ActorPath path)
    {
        var elements = path.Elements;
        if (elements.IsEmpty)
        {
            return _system.Root;
        }

        IActorRef? found = elements[0] switch
        {
            "temp" when elements.Length == 2 => _temp.GetValueOrDefault(elements[1]),
            "deadLetters" when elements.Length == 1 => _system.DeadLetters,
            _ => FindChild(_system.Root, elements.AsSpan()),
        };
        return found is not null && (path.Uid == 0 || found.Path.Uid == path.Uid) ? found : null;
    }

    private static LocalActorRef? FindChild(LocalActorRef from, ReadOnlySpan<string> elements)
    {
        var current = from;
        foreach (var element in elements)
        {
            if (current.Cell.ChildByName(element) is not { } child)
            {
                return null;
            }

            current = child;
        }

        return current.IsTerminated ? null : current;
    }

    /// <summary>A path of this system to no live actor: what is sent becomes a dead letter, and a watcher is told at once.</summary>
    private sealed class EmptyLocalActorRef(ActorSystem system, ActorPath path) : IInternalActorRef
    {
        public ActorPath Path { get; } = path;

        public ActorSystem System => system;

        public bool IsTerminated => true;

        public void Tell(object message, IActorRef? sender) => system.DeadLetters.Tell(new DeadLetter(message, sender, this), sender);

        public void SendSystemMessage(SystemMessage message)
        {
            if (message is SystemMessage.Watch watch)
            {
                watch.Watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(this, ExistenceConfirmed: false));
            }
        }

        public bool Equals(IActorRef? other) => other is not null && other.Path.Uid == Path.Uid && other.Path.Equals(Path);

        public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(Path.GetHashCode(), Path.Uid);

        public override string ToString() => $"[{Path}#{Path.Uid}]";
    }
}
