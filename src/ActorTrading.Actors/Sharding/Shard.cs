namespace ActorTrading.Actors.Sharding;

/// <summary>
/// One shard: the parent and supervisor of its entities. It starts an entity on its first message,
/// passivates idle ones, holds messages for an entity that is passivating and starts it again for
/// them, and stops every entity on hand-off.
/// </summary>
/// <remarks>
/// An entity's lifecycle as the shard sees it:
/// <code>
///   (absent) ──message──► Active ──Passivate / idle──► Passivating ──Terminated──► (absent)
///                           │                              │ messages held;          │ held messages?
///                           └──────── Terminated ──────────┘ restart on Terminated ◄─┘ start again
/// </code>
/// </remarks>
internal sealed class Shard : ActorBase
{
    private readonly string _typeName;
    private readonly string _shardId;
    private readonly Func<string, Props> _entityProps;
    private readonly ClusterShardingSettings _settings;
    private readonly IMessageExtractor _extractor;
    private readonly object _handOffStopMessage;
    private readonly Dictionary<string, IActorRef> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _idsByRef = [];
    private readonly Dictionary<string, long> _lastActivity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _heldForPassivating = new(StringComparer.Ordinal);
    private IActorRef? _handOffRequester;
    private Persistence.ShardWriterLease? _writerLease;

    public Shard(string typeName, string shardId, Func<string, Props> entityProps, ClusterShardingSettings settings, IMessageExtractor extractor, object handOffStopMessage)
    {
        _typeName = typeName;
        _shardId = shardId;
        _entityProps = entityProps;
        _settings = settings;
        _extractor = extractor;
        _handOffStopMessage = handOffStopMessage;
    }

    /// <summary>The lease this shard's entities write under (read by them, on their threads, before each write).</summary>
    internal Persistence.ShardWriterLease? WriterLease => Volatile.Read(ref _writerLease);

    internal sealed record GetShardState;

    /// <summary>Told by a shard to its region: its lease was refused or fenced, so it must stop here.</summary>
    internal sealed record LeaseLost(string ShardId);

    private sealed record PassivateIdleTick;

    private sealed record MeasureMailboxesTick;

    protected override void PreStart()
    {
        // Told straight to the region, from whichever thread saw the refusal: the region hands the shard off once.
        var (self, region, lost) = (Self, Context.Parent, new LeaseLost(_shardId));
        Volatile.Write(ref _writerLease, new Persistence.ShardWriterLease(
            Persistence.Persistence.Get(Context.System).Leases, _typeName, Persistence.WriterLease.ShardNumber(_shardId), () => region.Tell(lost, self)));
        if (_settings.PassivateIdleEntityAfter is { } idle)
        {
            var interval = idle / 2 > TimeSpan.FromMilliseconds(10) ? idle / 2 : TimeSpan.FromMilliseconds(10);
            Timers.StartPeriodicTimer(typeof(PassivateIdleTick), new PassivateIdleTick(), interval);
        }

        Timers.StartPeriodicTimer(typeof(MeasureMailboxesTick), new MeasureMailboxesTick(), _settings.MailboxMeasureInterval);
    }

    protected override void PostStop() => ShardingMetrics.Stopped(this);

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated terminated:
                EntityTerminated(terminated.ActorRef);
                return true;
            case Passivate passivate:
                PassivateEntity(Sender, passivate.StopMessage);
                return true;
            case MeasureMailboxesTick:
                MeasureMailboxes();
                return true;
            case PassivateIdleTick:
                PassivateIdleEntities();
                return true;
            case HandOff:
                BeginHandOff(Sender);
                return true;
            case GetShardState:
                Sender.Tell(new ShardState(_shardId, new HashSet<string>(_entities.Keys, StringComparer.Ordinal)), Self);
                return true;
            case GetEntityLocation location:
                location.ReplyTo.Tell(new EntityLocation(location.EntityId, _shardId, Context.System.Address, _entities.GetValueOrDefault(location.EntityId)), Self);
                return true;
            case StartEntity start:
                if (_handOffRequester is null && !_heldForPassivating.ContainsKey(start.EntityId))
                {
                    GetOrCreateEntity(start.EntityId);
                }

                Sender.Tell(new StartEntityAck(start.EntityId, _shardId), Self);
                return true;
            default:
                Deliver(message);
                return true;
        }
    }

    private void Deliver(object message)
    {
        var entityId = _extractor.EntityId(message)!;
        var payload = _extractor.EntityMessage(message);
        if (_heldForPassivating.TryGetValue(entityId, out var held))
        {
            Hold(held, payload, message);
            return;
        }

        if (_handOffRequester is not null)
        {
            // The region stops routing here once it asked for the hand-off; stragglers are not lost silently.
            Context.System.DeadLetters.Tell(new DeadLetter(payload, Sender, Self), Sender);
            return;
        }

        var entity = GetOrCreateEntity(entityId);
        _lastActivity[entityId] = Context.System.TimeProvider.GetTimestamp();
        entity.Tell(payload, Sender);
    }

    private void Hold(List<(object Message, IActorRef Sender)> held, object payload, object original)
    {
        if (held.Count < _settings.BufferSize)
        {
            held.Add((payload, Sender));
        }
        else
        {
            Context.System.DeadLetters.Tell(new DeadLetter(original, Sender, Self), Sender);
        }
    }

    private IActorRef GetOrCreateEntity(string entityId)
    {
        if (_entities.TryGetValue(entityId, out var existing))
        {
            return existing;
        }

        var entity = Context.Watch(Context.ActorOf(_entityProps(entityId), Uri.EscapeDataString(entityId)));
        _entities[entityId] = entity;
        _idsByRef[entity] = entityId;
        _lastActivity[entityId] = Context.System.TimeProvider.GetTimestamp();
        return entity;
    }

    private void PassivateEntity(IActorRef entity, object stopMessage)
    {
        if (!_idsByRef.TryGetValue(entity, out var entityId) || _heldForPassivating.ContainsKey(entityId))
        {
            return;
        }

        _heldForPassivating[entityId] = [];
        entity.Tell(stopMessage, Self);
    }

    private void PassivateIdleEntities()
    {
        var time = Context.System.TimeProvider;
        var idleAfter = _settings.PassivateIdleEntityAfter!.Value;
        foreach (var (entityId, last) in _lastActivity)
        {
            if (time.GetElapsedTime(last) >= idleAfter && _entities.TryGetValue(entityId, out var entity))
            {
                PassivateEntity(entity, _handOffStopMessage);
            }
        }
    }

    private void EntityTerminated(IActorRef entity)
    {
        if (!_idsByRef.Remove(entity, out var entityId))
        {
            return;
        }

        _entities.Remove(entityId);
        _lastActivity.Remove(entityId);
        if (_heldForPassivating.Remove(entityId, out var held) && held.Count > 0 && _handOffRequester is null)
        {
            // Messages came while it was stopping: start it again for them, in their order.
            var restarted = GetOrCreateEntity(entityId);
            foreach (var (message, sender) in held)
            {
                restarted.Tell(message, sender);
            }
        }

        if (_handOffRequester is not null && _entities.Count == 0)
        {
            _handOffRequester.Tell(new ShardStopped(_shardId), Self);
            Context.Stop(Self);
        }
    }

    // Read on the shard's turn, so the entity map is stable; each mailbox's count is safe to read from here.
    private void MeasureMailboxes()
    {
        var depth = Context.Self is LocalActorRef self ? self.Cell.Mailbox.Count : 0;
        foreach (var entity in _entities.Values)
        {
            depth += entity is LocalActorRef local ? local.Cell.Mailbox.Count : 0;
        }

        ShardingMetrics.Measured(this, _typeName, _shardId, depth);
    }

    private void BeginHandOff(IActorRef requester)
    {
        _handOffRequester = requester;
        Timers.CancelAll();
        if (_entities.Count == 0)
        {
            requester.Tell(new ShardStopped(_shardId), Self);
            Context.Stop(Self);
            return;
        }

        foreach (var (entityId, entity) in _entities)
        {
            if (!_heldForPassivating.ContainsKey(entityId))
            {
                _heldForPassivating[entityId] = [];
                entity.Tell(_handOffStopMessage, Self);
            }
        }
    }

    public override string ToString() => $"Shard({_typeName}/{_shardId})";
}
