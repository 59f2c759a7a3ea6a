namespace ActorTrading.Actors.Sharding;

/// <summary>Sent by an entity to its parent (the shard) to be stopped: the shard sends <see cref="StopMessage"/>
/// back and holds new messages for the entity until it has stopped, then starts it again for them.</summary>
[Serialization.NodeLocal("an entity sends it to its own shard, and its stop message is any local object")]
public sealed record Passivate(object StopMessage);

/// <summary>Starts an entity without a message for it; answered with <see cref="StartEntityAck"/>.</summary>
public sealed record StartEntity(string EntityId);

/// <summary>The entity is running.</summary>
public sealed record StartEntityAck(string EntityId, string ShardId);

/// <summary>Asks a region for its shards and their entities; answered with <see cref="CurrentShardRegionState"/>.</summary>
public sealed record GetShardRegionState
{
    /// <summary>The one instance.</summary>
    public static readonly GetShardRegionState Instance = new();
}

/// <summary>A shard and its live entities.</summary>
public sealed record ShardState(string ShardId, IReadOnlySet<string> EntityIds);

/// <summary>The shards of a region.</summary>
public sealed record CurrentShardRegionState(IReadOnlyList<ShardState> Shards);

/// <summary>Asks where an entity is; answered with <see cref="EntityLocation"/>.</summary>
public sealed record GetEntityLocation(string EntityId, IActorRef ReplyTo);

/// <summary>Where an entity is: its shard, the address of the node whose region has the shard and, if it is running, its ref.</summary>
public sealed record EntityLocation(string EntityId, string ShardId, Address RegionAddress, IActorRef? EntityRef);

/// <summary>Stops a shard's entities (with the hand-off stop message) so that the shard can move; answered with
/// <see cref="ShardStopped"/> once they have all stopped.</summary>
public sealed record HandOff(string ShardId);

/// <summary>A shard has stopped all its entities and itself.</summary>
public sealed record ShardStopped(string ShardId);

/// <summary>Hands off every shard of the region, then stops the region.</summary>
public sealed record GracefulShutdown
{
    /// <summary>The one instance.</summary>
    public static readonly GracefulShutdown Instance = new();
}

/// <summary>Every shard homed at <see cref="Address"/> is no longer there (that node left, or was downed): the region forgets
/// those homes and asks its allocator again at the next message for each (Akka's region learning of a coordinator's
/// reallocation, from membership here).</summary>
[Serialization.NodeLocal("membership tells each node's own regions")]
public sealed record ShardHomesLost(Address Address);

/// <summary>Stops every shard of the region now (their entities with the hand-off stop message), keeping the region: the node
/// lost the right to host them (its member lease ran out). Messages that arrive meanwhile and later are routed again
/// through the allocator.</summary>
[Serialization.NodeLocal("the node's own member lease keeper tells its own regions")]
public sealed record StopShards(string Reason);
