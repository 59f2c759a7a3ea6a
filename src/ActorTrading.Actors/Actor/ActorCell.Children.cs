namespace ActorTrading.Actors;

internal sealed partial class ActorCell
{
    // Children are added from other threads too (system.ActorOf adds to the user guardian), so the
    // container is guarded; everything else about children runs on this cell's turn.
    private readonly Lock _childrenLock = new();
    // Created with the first child: most actors (entities) never have one.
    private Dictionary<string, ChildRestartStats>? _children;
    private long _nextChildNameNumber;

    public IEnumerable<IActorRef> GetChildren()
    {
        lock (_childrenLock)
        {
            return _children is null ? [] : [.. _children.Values.Select(stats => stats.Child)];
        }
    }

    public IActorRef? Child(string name)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(name, out var stats) ? stats.Child : null;
        }
    }

    internal LocalActorRef? ChildByName(string name)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(name, out var stats) ? stats.Child : null;
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        if (name is null)
        {
            name = "$" + Base64Name(Interlocked.Increment(ref _nextChildNameNumber));
        }
        else
        {
            ActorNames.Validate(name);
        }

        LocalActorRef child;
        lock (_childrenLock)
        {
            if (_isTerminating || IsTerminated)
            {
                // Akka gives a ref that is already dead; its messages become dead letters.
                child = System.CreateLocalActor(props, SelfRef, name);
                child.Cell.Mailbox.Close(_ => { });
                return child;
            }

            _children ??= new Dictionary<string, ChildRestartStats>(StringComparer.Ordinal);
            if (_children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"actor name [{name}] is not unique under {SelfRef.Path}");
            }

            child = System.CreateLocalActor(props, SelfRef, name);
            _children.Add(name, new ChildRestartStats(child));
        }

        child.Start();
        return child;
    }

    /// <summary>Creates a guardian under the root before the system starts; guardians start at once.</summary>
    internal LocalActorRef CreateGuardianChild(string name)
    {
        var guardian = System.CreateLocalActor(Props.Create(() => new ActorSystem.GuardianActor()), SelfRef, name);
        lock (_childrenLock)
        {
            (_children ??= new Dictionary<string, ChildRestartStats>(StringComparer.Ordinal)).Add(name, new ChildRestartStats(guardian));
        }

        guardian.Start();
        return guardian;
    }

    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Parse(this, path);

    public void Stop(IActorRef child)
    {
        if (child is IInternalActorRef internalRef)
        {
            internalRef.SendSystemMessage(new SystemMessage.Terminate());
        }
    }

    internal ChildRestartStats? ChildStats(IActorRef child)
    {
        lock (_childrenLock)
        {
            return _children is not null && _children.TryGetValue(child.Path.Name, out var stats) && stats.Child.Equals(child) ? stats : null;
        }
    }

    internal IReadOnlyList<ChildRestartStats> AllChildStats()
    {
        lock (_childrenLock)
        {
            return _children is null ? [] : [.. _children.Values];
        }
    }

    private bool RemoveChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children is null || !_children.TryGetValue(child.Path.Name, out var stats) || !stats.Child.Equals(child))
            {
                return false;
            }

            return _children.Remove(child.Path.Name);
        }
    }

    private bool HasChildren
    {
        get
        {
            lock (_childrenLock)
            {
                return _children is { Count: > 0 };
            }
        }
    }

    /// <summary>Stops every child. On restart the names are freed at once, so that the new instance can
    /// create children with the same names while the old ones finish stopping.</summary>
    private void StopAllChildren(bool releaseNames)
    {
        foreach (var stats in AllChildStats())
        {
            if (releaseNames)
            {
                RemoveChild(stats.Child);
            }

            stats.Child.SendSystemMessage(new SystemMessage.Terminate());
        }
    }

    private static string Base64Name(long number)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        Span<char> buffer = stackalloc char[12];
        var length = 0;
        do
        {
            buffer[length++] = alphabet[(int)(number & 63)];
            number >>= 6;
        }
        while (number != 0);

        return new string(buffer[..length]);
    }
}
