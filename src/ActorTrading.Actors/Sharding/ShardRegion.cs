namespace ActorTrading.Actors.Sharding;

/// <summary>
/// The entry point of one entity type: routes each message to its entity's shard, creating shards on
/// demand where the <see cref="IShardAllocator"/> says they live. Today that is always this process (a shard
/// allocated elsewhere cannot be reached: its messages become dead letters); the cluster forwards them to that
/// node, and uses <see cref="HandOff"/> to move a shard.
/// </summary>
/// <remarks>
/// <code>
///   Running ──GracefulShutdown──► ShuttingDown (every shard handed off) ──last ShardStopped──► Stopped
///      │ HandOff(shard): messages for that shard are held until it has stopped, then it starts again
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

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated terminated:
                ShardTerminated(terminated.ActorRef);
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

        if (_shuttingDown)
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self), sender);
            return;
        }

        if (_shards.TryGetValue(shardId, out var shard))
        {
            shard.Tell(message, sender);
            return;
        }

        Allocate(shardId, message, sender);
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

        // Without remoting a shard elsewhere cannot be reached; the cluster forwards to the region at that address.
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
        if (_shards.Count == 0)
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
        if (_shuttingDown)
        {
            foreach (var (message, sender) in _heldForHandOff.GetValueOrDefault(shardId) ?? [])
            {
                Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self), sender);
            }

            _heldForHandOff.Remove(shardId);
            if (_shards.Count == 0)
            {
                Context.Stop(Self);
            }

            return;
        }

        // A local hand-off (or a shard that stopped): what arrived meanwhile goes where the allocator now says.
        if (_heldForHandOff.Remove(shardId, out var held))
        {
            foreach (var (message, sender) in held)
            {
                Route(message, shardId, sender);
            }
        }
    }

    private void ReplyWithState(IActorRef replyTo)
    {
        var shards = _shards.Values.ToList();
        Task.WhenAll(shards.Select(s => s.Ask<ShardState>(new Shard.GetShardState(), _settings.HandOffTimeout)))
            .PipeTo(replyTo, Self, states => new CurrentShardRegionState(states), failure => new Status.Failure(failure));
    }

    /// <summary>The allocator's answer for a shard, when it did not answer at once.</summary>
    private sealed record ShardAllocated(string ShardId, Address? Address, Exception? Failure);

    protected override void PostStop()
    {
        foreach (var requester in _shutdownRequesters)
        {
            requester.Tell(Done.Instance, Self);
        }
    }
}
