using System.Text;
using ActorTrading.Actors;

namespace ActorTrading.Remote;

/// <summary>
/// A ref to an actor of another node: <see cref="Tell"/> serializes the message and queues it on the association to that
/// node (never blocking: a full queue makes it a dead letter). Watching it registers the watch here, on this node; the
/// watcher is told <see cref="Terminated"/> when membership calls <see cref="RemoteActorRefProvider.AddressTerminated"/>.
/// </summary>
public sealed class RemoteActorRef : IInternalActorRef
{
    private readonly RemoteActorRefProvider _provider;

    internal RemoteActorRef(RemoteActorRefProvider provider, ActorPath path)
    {
        _provider = provider;
        Path = path;
        PathBytes = Encoding.UTF8.GetBytes(path.ToSerializationFormat());
    }

    /// <inheritdoc/>
    public ActorPath Path { get; }

    /// <summary>The address of the node the actor lives on.</summary>
    public Address Address => Path.Address;

    ActorSystem IInternalActorRef.System => _provider.System;

    // Remote liveness is membership's to judge; until then a remote ref is alive.
    bool IInternalActorRef.IsTerminated => false;

    /// <summary>The path as it goes on the wire, encoded once.</summary>
    internal byte[] PathBytes { get; }

    /// <inheritdoc/>
    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        _provider.Send(this, message, sender);
    }

    void IInternalActorRef.SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case SystemMessage.Watch watch:
                _provider.AddRemoteWatch(this, watch.Watcher);
                break;
            case SystemMessage.Unwatch unwatch:
                _provider.RemoveRemoteWatch(this, unwatch.Watcher);
                break;
        }
    }

    /// <inheritdoc/>
    public bool Equals(IActorRef? other) => other is not null && other.Path.Uid == Path.Uid && other.Path.Equals(Path);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Path.GetHashCode(), Path.Uid);

    /// <inheritdoc/>
    public override string ToString() => $"[{Path}#{Path.Uid}]";
}
