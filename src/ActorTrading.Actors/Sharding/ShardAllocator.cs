namespace ActorTrading.Actors.Sharding;

/// <summary>
/// Decides where a shard lives: a region asks it the first time it has a message for a shard it does not have
/// (Akka's allocation strategy, reduced to the answer). The local allocator answers "here"; the cluster's
/// answers with the node that holds the shard's lease.
/// </summary>
public interface IShardAllocator
{
    /// <summary>The address of the node whose region is to have <paramref name="shardId"/>, given the shards this region
    /// knows of and where they are (<paramref name="currentAllocations"/>). The region holds the shard's messages until the
    /// answer; a failed answer makes them dead letters.</summary>
    ValueTask<Address> AllocateShard(string shardId, IReadOnlyDictionary<string, Address> currentAllocations);

    /// <summary>A shard this region had has stopped (handed off, or stopped because its lease was lost): the cluster gives
    /// its lease back here, so that another node may take it at once. Messages held for the shard are routed again only
    /// after this completes. A failure is logged and changes nothing (the lease then expires with the member).</summary>
    ValueTask ShardStopped(string shardId) => ValueTask.CompletedTask;
}

/// <summary>Every shard lives on this node: one process, no cluster.</summary>
public sealed class LocalShardAllocator(Address self) : IShardAllocator
{
    /// <inheritdoc/>
    public ValueTask<Address> AllocateShard(string shardId, IReadOnlyDictionary<string, Address> currentAllocations) => ValueTask.FromResult(self);
}
