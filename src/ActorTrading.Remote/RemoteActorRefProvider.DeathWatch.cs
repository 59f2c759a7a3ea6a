using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using ActorTrading.Actors;
using ActorTrading.Remote.Transport;

namespace ActorTrading.Remote;

/// <summary>
/// Death watch across nodes, as Akka's remote watcher does it: the first local watch of a remote actor sends a watch frame
/// to its node, which watches the actor on the watching node's behalf (<see cref="PeerWatcher"/>) and sends a terminated
/// frame back when it stops; the last unwatch sends an unwatch frame. A node that is gone says nothing, so membership calls
/// <see cref="AddressTerminated"/>.
/// </summary>
public sealed partial class RemoteActorRefProvider
{
    private readonly Lock _watchLock = new();
    private readonly Dictionary<RemoteActorRef, HashSet<IInternalActorRef>> _remoteWatches = [];
    private readonly ConcurrentDictionary<Address, PeerWatcher> _peerWatchers = new();

    /// <summary>Local actors that other nodes watch through this one (for tests and diagnostics).</summary>
    public int WatchedByPeersCount => _peerWatchers.Values.Sum(watcher => watcher.Count);

    /// <summary>Watches of remote actors now registered here (for tests and diagnostics).</summary>
    public int RemoteWatchCount
    {
        get
        {
            lock (_watchLock)
            {
                return _remoteWatches.Values.Sum(watchers => watchers.Count);
            }
        }
    }

    /// <summary>
    /// The node at <paramref name="address"/> is gone (membership saw it down or removed; Akka's AddressTerminated): every
    /// local watcher of an actor there receives <see cref="Terminated"/> (existence confirmed: it did live there), and the
    /// messages still queued for it become dead letters. A later message to that address dials it again (a new incarnation
    /// may come up there).
    /// </summary>
    public void AddressTerminated(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        List<(RemoteActorRef Watchee, IInternalActorRef Watcher)> told = [];
        lock (_watchLock)
        {
            foreach (var (watchee, watchers) in _remoteWatches.Where(entry => entry.Key.Address.Equals(address)).ToList())
            {
                _remoteWatches.Remove(watchee);
                told.AddRange(watchers.Select(watcher => (watchee, watcher)));
            }
        }

        foreach (var (watchee, watcher) in told)
        {
            watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(watchee, ExistenceConfirmed: true));
        }

        // Its watches of our actors go with it: they would answer nobody.
        if (_peerWatchers.TryRemove(address, out var peerWatcher))
        {
            peerWatcher.UnwatchAll();
        }

        var dropped = Transport.DropAssociation(address);
        RemoteLog.AddressTerminated(Logger, address.ToString(), told.Count, dropped);
    }

    internal void AddRemoteWatch(RemoteActorRef watchee, IInternalActorRef watcher)
    {
        bool first;
        lock (_watchLock)
        {
            if (!_remoteWatches.TryGetValue(watchee, out var watchers))
            {
                _remoteWatches[watchee] = watchers = [];
            }

            first = watchers.Count == 0;
            watchers.Add(watcher);
        }

        if (first)
        {
            Transport.Enqueue(watchee.Address, Frames.Control(Frames.WatchKind, watchee.PathBytes));
        }
    }

    internal void RemoveRemoteWatch(RemoteActorRef watchee, IInternalActorRef watcher)
    {
        var last = false;
        lock (_watchLock)
        {
            if (_remoteWatches.TryGetValue(watchee, out var watchers) && watchers.Remove(watcher) && watchers.Count == 0)
            {
                _remoteWatches.Remove(watchee);
                last = true;
            }
        }

        if (last)
        {
            Transport.Enqueue(watchee.Address, Frames.Control(Frames.UnwatchKind, watchee.PathBytes));
        }
    }

    /// <summary>The node at <paramref name="peer"/> watches our actor at <paramref name="path"/> (as it named it).</summary>
    internal void WatchedByPeer(Address peer, string path)
    {
        if (LocalWatchee(path) is not { } watchee)
        {
            return;
        }

        var watcher = _peerWatchers.GetOrAdd(peer, static (address, provider) => new PeerWatcher(provider, address), this);
        // Remembered first: a path to nobody answers the watch at once, inside SendSystemMessage.
        watcher.Remember(watchee, path);
        watchee.SendSystemMessage(new SystemMessage.Watch(watchee, watcher));
    }

    internal void UnwatchedByPeer(Address peer, string path)
    {
        if (LocalWatchee(path) is { } watchee && _peerWatchers.TryGetValue(peer, out var watcher) && watcher.Forget(watchee, path))
        {
            watchee.SendSystemMessage(new SystemMessage.Unwatch(watchee, watcher));
        }
    }

    /// <summary>The actor at <paramref name="path"/> on the sending node stopped (or never lived there).</summary>
    internal void RemoteTerminated(string path, bool existenceConfirmed)
    {
        if (!ActorPath.TryParse(path, out var parsed) || parsed is null)
        {
            return;
        }

        var watchee = new RemoteActorRef(this, parsed);
        HashSet<IInternalActorRef>? watchers;
        lock (_watchLock)
        {
            _remoteWatches.Remove(watchee, out watchers);
        }

        foreach (var watcher in watchers ?? [])
        {
            watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(watchee, existenceConfirmed));
        }
    }

    private IInternalActorRef? LocalWatchee(string path) =>
        ActorPath.TryParse(path, out var parsed) && parsed is not null && IsLocal(parsed.Address)
            ? _local.ResolveActorRef(parsed) as IInternalActorRef
            : null;

    /// <summary>Stands on this node for one other node's watches of our actors: told of a death, it sends a terminated frame
    /// for every path the other node watched that actor by.</summary>
    private sealed class PeerWatcher(RemoteActorRefProvider provider, Address peer) : IInternalActorRef
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<IActorRef, HashSet<string>> _paths = [];

        public ActorPath Path { get; } = provider.RootPath.Child("system").Child("remote-watchers").Child($"{peer.System}-{peer.Host}-{peer.Port}");

        public ActorSystem System => provider.System;

        public bool IsTerminated => false;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _paths.Count;
                }
            }
        }

        public void Remember(IActorRef watchee, string path)
        {
            lock (_lock)
            {
                if (!_paths.TryGetValue(watchee, out var paths))
                {
                    _paths[watchee] = paths = new HashSet<string>(StringComparer.Ordinal);
                }

                paths.Add(path);
            }
        }

        /// <summary>True when no path of <paramref name="watchee"/> is watched any more.</summary>
        public bool Forget(IActorRef watchee, string path)
        {
            lock (_lock)
            {
                if (!_paths.TryGetValue(watchee, out var paths) || !paths.Remove(path) || paths.Count > 0)
                {
                    return false;
                }

                _paths.Remove(watchee);
                return true;
            }
        }

        public void UnwatchAll()
        {
            List<IActorRef> watchees;
            lock (_lock)
            {
                watchees = [.. _paths.Keys];
                _paths.Clear();
            }

            foreach (var watchee in watchees.OfType<IInternalActorRef>())
            {
                watchee.SendSystemMessage(new SystemMessage.Unwatch(watchee, this));
            }
        }

        public void Tell(object message, IActorRef? sender)
        {
            // Nothing but system messages is meant for it.
        }

        public void SendSystemMessage(SystemMessage message)
        {
            if (message is not SystemMessage.DeathWatchNotification notification)
            {
                return;
            }

            HashSet<string>? paths;
            lock (_lock)
            {
                _paths.Remove(notification.Actor, out paths);
            }

            foreach (var path in paths ?? [])
            {
                var frame = Frames.Control(Frames.TerminatedKind, Encoding.UTF8.GetBytes(path), notification.ExistenceConfirmed);
                provider.Transport.Enqueue(peer, frame);
            }
        }

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);

        public override string ToString() => $"[{Path}]";
    }
}
