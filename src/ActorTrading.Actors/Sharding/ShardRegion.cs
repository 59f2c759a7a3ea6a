namespace ActorTrading.Actors.Sharding;

/// <summary>
/// The entry point of one entity type: routes each message to its entity's shard, creating shards on
/// demand. Today every shard lives in this process; the cluster replaces "create the shard here" with
/// "ask who owns the shard, create it here or forward to that node", and uses <see cref="HandOff"/> to
/// move a shard.
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
    private readonly Dictionary<string, IActorRef> _shards = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _shardIdsByRef = [];
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _heldForHandOff = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _shutdownRequesters = [];
    private bool _shuttingDown;

    public ShardRegion(string typeName, Func<string, Props> entityProps, ClusterShardingSettings settings, IMessageExtractor extractor, object handOffStopMessage)
    {
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
                var shardId = _extractor.ShardId(new ShardingEnvelope(location.EntityId, location));
                if (_shards.TryGetValue(shardId, out var shard) && !_heldForHandOff.ContainsKey(shardId))
                {
                    shard.Forward(location);
                }
                else
                {
                    Sender.Tell(new EntityLocation(location.EntityId, shardId, Self, null), Self);
                }

                return true;
            case StartEntity start:
                Route(start, _extractor.ShardId(new ShardingEnvelope(start.EntityId, start)));
                return true;
            default:
                if (_extractor.EntityId(message) is null)
                {
                    Context.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));
                    Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
                    return true;
                }

                Route(message, _extractor.ShardId(message));
                return true;
        }
    }

    private void Route(object message, string shardId)
    {
        if (_heldForHandOff.TryGetValue(shardId, out var held))
        {
            if (held.Count < _settings.BufferSize)
            {
                held.Add((message, Sender));
            }
            else
            {
                Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
            }

            return;
        }

        if (_shuttingDown)
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
            return;
        }

        ShardFor(shardId).Forward(message);
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

        // A local hand-off (or a shard that stopped): start the shard again for what arrived meanwhile.
        if (_heldForHandOff.Remove(shardId, out var held) && held.Count > 0)
        {
            var restarted = ShardFor(shardId);
            foreach (var (message, sender) in held)
            {
                restarted.Tell(message, sender);
            }
        }
    }

    private void ReplyWithState(IActorRef replyTo)
    {
        var shards = _shards.Values.ToList();
        Task.WhenAll(shards.Select(s => s.Ask<ShardState>(new Shard.GetShardState(), _settings.HandOffTimeout)))
            .PipeTo(replyTo, Self, states => new CurrentShardRegionState(states), failure => new Status.Failure(failure));
    }

    protected override void PostStop()
    {
        foreach (var requester in _shutdownRequesters)
        {
            requester.Tell(Done.Instance, Self);
        }
    }
}
