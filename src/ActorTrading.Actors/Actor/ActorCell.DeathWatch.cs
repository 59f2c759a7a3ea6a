namespace ActorTrading.Actors;

internal sealed partial class ActorCell
{
    private HashSet<IActorRef>? _watching;
    private HashSet<IInternalActorRef>? _watchedBy;

    public IActorRef Watch(IActorRef subject)
    {
        if (subject is IInternalActorRef watchee && !ReferenceEquals(watchee, SelfRef) && (_watching ??= []).Add(watchee))
        {
            watchee.SendSystemMessage(new SystemMessage.Watch(watchee, SelfRef));
        }

        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (subject is IInternalActorRef watchee && _watching is not null && _watching.Remove(watchee))
        {
            watchee.SendSystemMessage(new SystemMessage.Unwatch(watchee, SelfRef));
        }

        return subject;
    }

    private void AddWatcher(IInternalActorRef watchee, IInternalActorRef watcher)
    {
        if (ReferenceEquals(watchee, SelfRef) && !ReferenceEquals(watcher, SelfRef))
        {
            (_watchedBy ??= []).Add(watcher);
        }
    }

    private void RemoveWatcher(IInternalActorRef watchee, IInternalActorRef watcher)
    {
        if (ReferenceEquals(watchee, SelfRef))
        {
            _watchedBy?.Remove(watcher);
        }
    }

    private void WatchedActorTerminated(IActorRef actor, bool existenceConfirmed)
    {
        var wasChild = ChildStats(actor) is not null;
        if (_watching is not null && _watching.Remove(actor) && !IsTerminated)
        {
            // Terminated goes through the user mailbox so it is ordered after what the dead actor sent us.
            Post(new Terminated(actor, existenceConfirmed), actor);
        }

        if (wasChild)
        {
            ChildTerminated(actor);
        }
    }

    private void TellWatchersWeDied()
    {
        if (_watchedBy is null)
        {
            return;
        }

        foreach (var watcher in _watchedBy)
        {
            if (!ReferenceEquals(watcher, Parent))
            {
                watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(SelfRef, ExistenceConfirmed: true));
            }
        }

        _watchedBy = null;
    }

    private void UnwatchWatchedActors()
    {
        if (_watching is null)
        {
            return;
        }

        foreach (var watchee in _watching)
        {
            ((IInternalActorRef)watchee).SendSystemMessage(new SystemMessage.Unwatch((IInternalActorRef)watchee, SelfRef));
        }

        _watching = null;
    }
}
