using ActorTrading.Actors;

namespace ActorTrading.Remote;

public sealed partial class RemoteActorRefProvider
{
    private readonly Lock _watchLock = new();
    private readonly Dictionary<RemoteActorRef, HashSet<IInternalActorRef>> _remoteWatches = [];

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

        var dropped = Transport.DropAssociation(address);
        RemoteLog.AddressTerminated(Logger, address.ToString(), told.Count, dropped);
    }

    internal void AddRemoteWatch(RemoteActorRef watchee, IInternalActorRef watcher)
    {
        lock (_watchLock)
        {
            if (!_remoteWatches.TryGetValue(watchee, out var watchers))
            {
                _remoteWatches[watchee] = watchers = [];
            }

            watchers.Add(watcher);
        }
    }

    internal void RemoveRemoteWatch(RemoteActorRef watchee, IInternalActorRef watcher)
    {
        lock (_watchLock)
        {
            if (_remoteWatches.TryGetValue(watchee, out var watchers) && watchers.Remove(watcher) && watchers.Count == 0)
            {
                _remoteWatches.Remove(watchee);
            }
        }
    }
}
