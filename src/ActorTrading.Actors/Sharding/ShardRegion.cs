namespace ActorTrading.Actors.Sharding;

/// <summary>
/// The entry point of one entity type: routes each message to its entity's shard, creating shards on
/// demand where the <see cref="IShardAllocator"/> says they live: here, or the region of the same type at another node's
/// address, to which it forwards them (with their senders). A shard that stops (hand-off, a lost lease) is reported to
/// the allocator, which gives its lease back, before what arrived for it meanwhile is routed again.
/// </summary>
/// <remarks>
/// <code>
///   Running ──GracefulShutdown──► ShuttingDown (every shard handed off) ──last ShardStopped──► Stopped
///      │ HandOff / StopShards / a shard's lost lease: its messages are held until it has stopped and the allocator has
///      │ released it, then routed again (here or to the node the allocator names)
///      │ ShardHomesLost(address): shards homed there are asked of the allocator again
/// </code>
/// </remarks>
internal sealed class ShardRegion : ActorBase
{
    private readonly string _typeName;
    private readonly Func<string, Props> _entityProps;
    private readonly ClusterShardingSettings _settings;
    private readonly IMessageExtractor _extractor;
    private readonly object _handOffStopMessage;
    private readonly IShardAllocator _allocator;
    private readonly Dictionary<string, Address> _allocations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _heldForAllocation = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _shards = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _shardIdsByRef = [];
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _heldForHandOff = new(StringComparer.Ordinal);
    private readonly Dictionary<Address, IActorRef> _remoteRegions = [];
    private readonly HashSet<string> _releasing = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _shutdownRequesters = [];
    private bool _shuttingDown;

    public ShardRegion(string typeName, Func<string, Props> entityProps, ClusterShardingSettings settings, IMessageExtractor extractor, object handOffStopMessage, IShardAllocator allocator)
    {
        _allocator = allocator;
        _typeName = typeName;
        _entityProps = entityProps;
        _settings = settings;
        _extractor = extractor;
        _handOffStopMessage = handOffStopMessage;
    }

    // Another node's region sends what it forwards to this child, not to the region: the child hands it over marked as
    // forwarded, so that it is routed by a fresh allocation, never by a cached home that may point back (a ping-pong after a
    // shard moved). The '@' never appears in a shard's (escaped) name.
    private const string ForwardedName = "@forwarded";

    protected override void PreStart() => Context.ActorOf(Props.Create(() => new ForwardedInbox()), ForwardedName);

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated terminated:
                ShardTerminated(terminated.ActorRef);
                return true;
            case Forwarded forwarded:
                RouteForwarded(forwarded.Message, forwarded.Sender);
                return true;
            case ShardStopped:
                return true;
            case HandOff handOff:
                BeginHandOff(handOff.ShardId, Sender);
                return true;
            case GracefulShutdown:
                BeginShutdown(Sender);
                return true;
            case GetShardRegionState:
                ReplyWithState(Sender);
                return true;
            case GetEntityLocation location:
                var shardId = _extractor.ShardId(location.EntityId);
                if (_shards.TryGetValue(shardId, out var shard) && !_heldForHandOff.ContainsKey(shardId))
                {
                    shard.Forward(location);
                }
                else
                {
                    var regionAddress = _allocations.GetValueOrDefault(shardId) ?? Context.System.Address;
                    location.ReplyTo.Tell(new EntityLocation(location.EntityId, shardId, regionAddress, null), Self);
                }

                return true;
            case StartEntity start:
                Route(start, _extractor.ShardId(start.EntityId), Sender);
                return true;
            case ShardAllocated allocated:
                Allocated(allocated.ShardId, allocated.Address, allocated.Failure);
                return true;
            case ShardReleased released:
                Released(released.ShardId, released.Failure);
                return true;
            case Shard.LeaseLost lost:
                // Once per shard, and never for a later shard of the same id (a refusal seen late by an earlier one).
                if (_shards.TryGetValue(lost.ShardId, out var losing) && losing.Equals(Sender) && !_heldForHandOff.ContainsKey(lost.ShardId))
                {
                    KernelLog.ShardLeaseLost(Context.System.KernelLogger, _typeName, lost.ShardId);
                    BeginHandOff(lost.ShardId, Self);
                }

                return true;
            case StopShards stop:
                KernelLog.StoppingShards(Context.System.KernelLogger, _typeName, _shards.Count, stop.Reason);
                foreach (var id in _shards.Keys.ToList())
                {
                    BeginHandOff(id, Self);
                }

                return true;
            case ShardHomesLost lost:
                foreach (var (id, home) in _allocations.Where(a => a.Value.Equals(lost.Address) && !_shards.ContainsKey(a.Key)).ToList())
                {
                    _allocations.Remove(id);
                }

                return true;
            default:
                if (_extractor.EntityId(message) is null)
                {
                    Context.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));
                    Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
                    return true;
                }

                Route(message, _extractor.ShardId(message), Sender);
                return true;
        }
    }

    private void Route(object message, string shardId, IActorRef sender)
    {
        if (_heldForHandOff.TryGetValue(shardId, out var held) || _heldForAllocation.TryGetValue(shardId, out held))
        {
            Hold(held, message, sender);
            return;
        }

        if (_shards.TryGetValue(shardId, out var shard))
        {
            shard.Tell(message, sender);
            return;
        }

        if (_allocations.TryGetValue(shardId, out var home) && !home.Equals(Context.System.Address) && RegionAt(home) is { } remote)
        {
            remote.Tell(message, sender);
            return;
        }

        // Shutting down too: the allocator may name another node now (one that leaves is no host); here, it is a dead letter.
        Allocate(shardId, message, sender);
    }

    private void RouteForwarded(object message, IActorRef sender)
    {
        if (_extractor.EntityId(message) is null)
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self), sender);
            return;
        }

        var shardId = _extractor.ShardId(message);
        if (_heldForHandOff.TryGetValue(shardId, out var held) || _heldForAllocation.TryGetValue(shardId, out held))
        {
            Hold(held, message, sender);
        }
        else if (_shards.TryGetValue(shardId, out var shard))
        {
            shard.Tell(message, sender);
        }
        else
        {
            _allocations.Remove(shardId);
            Allocate(shardId, message, sender);
        }
    }

    private void Hold(List<(object Message, IActorRef Sender)> held, object message, IActorRef sender)
    {
        if (held.Count < _settings.BufferSize)
        {
            held.Add((message, sender));
        }
        else
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self), sender);
        }
    }

    private void Allocate(string shardId, object message, IActorRef sender)
    {
        Task<Address> answer;
        try
        {
            // Once per shard, so the Task a ValueTask becomes costs nothing that matters.
            answer = _allocator.AllocateShard(shardId, _allocations).AsTask();
        }
        catch (Exception exception)
        {
            answer = Task.FromException<Address>(exception);
        }

        _heldForAllocation[shardId] = [(message, sender)];
        if (answer.IsCompleted)
        {
            // The local allocator answers at once: no turn goes by, so nothing is reordered.
            Allocated(shardId, answer.IsCompletedSuccessfully ? answer.Result : null, answer.Exception);
            return;
        }

        var self = Self;
        answer.ContinueWith(
            task => self.Tell(new ShardAllocated(shardId, task.IsCompletedSuccessfully ? task.Result : null, task.Exception), self),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Allocated(string shardId, Address? address, Exception? failure)
    {
        if (!_heldForAllocation.Remove(shardId, out var held))
        {
            return;
        }

        if (address is not null && address.Equals(Context.System.Address) && !_shuttingDown)
        {
            var shard = ShardFor(shardId);
            foreach (var (message, sender) in held)
            {
                shard.Tell(message, sender);
            }

            return;
        }

        if (address is not null && !address.Equals(Context.System.Address) && RegionAt(address) is { } region)
        {
            _allocations[shardId] = address;
            foreach (var (message, sender) in held)
            {
                region.Tell(message, sender);
            }

            return;
        }

        KernelLog.ShardNotAllocatedHere(Context.System.KernelLogger, _typeName, shardId, address?.ToString() ?? "(none)", held.Count, failure);
        foreach (var (message, sender) in held)
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self), sender);
        }
    }

    private IActorRef ShardFor(string shardId)
    {
        if (_shards.TryGetValue(shardId, out var shard))
        {
            return shard;
        }

        shard = Context.Watch(Context.ActorOf(
            Props.Create(() => new Shard(_typeName, shardId, _entityProps, _settings, _extractor, _handOffStopMessage)),
            Uri.EscapeDataString(shardId)));
        _shards[shardId] = shard;
        _shardIdsByRef[shard] = shardId;
        _allocations[shardId] = Context.System.Address;
        return shard;
    }

    // The region of this type on another node: the same path, at its address; null when this system has no remoting.
    private IActorRef? RegionAt(Address address)
    {
        if (!_remoteRegions.TryGetValue(address, out var region))
        {
            try
            {
                region = Context.System.Provider.ResolveActorRef(new ActorPath(address, Self.Path.Elements.Add(ForwardedName)));
            }
            catch (UnknownAddressException)
            {
                return null;
            }

            _remoteRegions[address] = region;
        }

        return region;
    }

    private void BeginHandOff(string shardId, IActorRef requester)
    {
        if (!_shards.TryGetValue(shardId, out var shard) || _heldForHandOff.ContainsKey(shardId))
        {
            requester.Tell(new ShardStopped(shardId), Self);
            return;
        }

        _heldForHandOff[shardId] = [];
        shard.Tell(new HandOff(shardId), requester);
    }

    private void BeginShutdown(IActorRef requester)
    {
        // GracefulStop sends without a sender; it learns of the stop by watching, so there is nobody to tell.
        if (!requester.Equals(Context.System.DeadLetters))
        {
            _shutdownRequesters.Add(requester);
        }

        _shuttingDown = true;
        if (_shards.Count == 0 && _releasing.Count == 0)
        {
            Context.Stop(Self);
            return;
        }

        foreach (var shardId in _shards.Keys.ToList())
        {
            if (!_heldForHandOff.ContainsKey(shardId))
            {
                BeginHandOff(shardId, Self);
            }
        }
    }

    private void ShardTerminated(IActorRef shard)
    {
        if (!_shardIdsByRef.Remove(shard, out var shardId))
        {
            return;
        }

        _shards.Remove(shardId);
        _allocations.Remove(shardId);

        // What arrives for the shard until its lease is given back is held with what came during the hand-off.
        _heldForHandOff.TryAdd(shardId, []);
        _releasing.Add(shardId);
        Task released;
        try
        {
            released = _allocator.ShardStopped(shardId).AsTask();
        }
        catch (Exception exception)
        {
            released = Task.FromException(exception);
        }

        if (released.IsCompleted)
        {
            Released(shardId, released.Exception);
            return;
        }

        var self = Self;
        released.ContinueWith(
            task => self.Tell(new ShardReleased(shardId, task.Exception), self),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Released(string shardId, Exception? failure)
    {
        if (!_releasing.Remove(shardId))
        {
            return;
        }

        if (failure is not null)
        {
            KernelLog.ShardReleaseFailed(Context.System.KernelLogger, _typeName, shardId, failure);
        }

        // Routed again: to where the allocator now says (another node, or here when the shard starts again); while
        // shutting down, never here.
        if (_heldForHandOff.Remove(shardId, out var held))
        {
            foreach (var (message, sender) in held)
            {
                Route(message, shardId, sender);
            }
        }

        if (_shuttingDown && _shards.Count == 0 && _releasing.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    private void ReplyWithState(IActorRef replyTo)
    {
        var shards = _shards.Values.ToList();
        Task.WhenAll(shards.Select(s => s.Ask<ShardState>(new Shard.GetShardState(), _settings.HandOffTimeout)))
            .PipeTo(replyTo, Self, states => new CurrentShardRegionState(states), failure => new Status.Failure(failure));
    }

    /// <summary>A message another node's region forwarded here, with its original sender.</summary>
    private sealed record Forwarded(object Message, IActorRef Sender);

    private sealed class ForwardedInbox : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Context.Parent.Tell(new Forwarded(message, Sender), Sender);
            return true;
        }
    }

    /// <summary>The allocator's answer for a shard, when it did not answer at once.</summary>
    private sealed record ShardAllocated(string ShardId, Address? Address, Exception? Failure);

    /// <summary>The allocator has taken note of a stopped shard (its lease given back), when it did not at once.</summary>
    private sealed record ShardReleased(string ShardId, Exception? Failure);

    protected override void PostStop()
    {
        foreach (var requester in _shutdownRequesters)
        {
            requester.Tell(Done.Instance, Self);
        }
    }
}
