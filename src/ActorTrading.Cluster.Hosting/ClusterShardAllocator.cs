using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;
using ActorTrading.Cluster.Postgres;

namespace ActorTrading.Cluster.Hosting;

/// <summary>
/// Where a shard of one entity type lives, decided by its lease row (CLUSTER.md): with its owner while that member is live;
/// otherwise granted now to the least-loaded host (<see cref="ShardAllocation.AllocateShard"/>), which may be a takeover
/// from a member whose lease expired. The database decides every race: two nodes that allocate one shard at once both
/// re-read, and agree on the one grant that won.
/// </summary>
internal sealed class ClusterShardAllocator(string typeName, ClusterMember member) : IShardAllocator
{
    private const int Attempts = 5;

    public async ValueTask<Address> AllocateShard(string shardId, IReadOnlyDictionary<string, Address> currentAllocations)
    {
        var number = WriterLease.ShardNumber(shardId);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var lease = await member.Leases.ReadLeaseAsync(typeName, number);
            var members = await member.Membership.ReadMembersAsync();
            if (lease is { OwnerIncarnation: long owner, State: "active" })
            {
                if (owner == member.Incarnation)
                {
                    return member.CanHost ? member.RemotingAddress : throw Refused(shardId, "this member's lease is lost");
                }

                if (members.FirstOrDefault(m => m.Incarnation == owner) is { Status: MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting } holder
                    && ClusterMember.RemotingAddressOf(holder) is { } home)
                {
                    return home;
                }
            }

            // Free, or its owner is gone: grant it to the least-loaded host (this member only while it may host).
            var hosts = members.Where(m => m.Incarnation != member.Incarnation || member.CanHost).ToList();
            var allocations = (await member.Leases.ReadLeasesAsync(typeName))
                .Where(l => l is { OwnerIncarnation: not null, State: "active" })
                .ToDictionary(l => l.ShardId, l => l.OwnerIncarnation ?? 0);
            var host = ShardAllocation.AllocateShard(hosts, allocations) ?? throw Refused(shardId, "no member is up with the trading role");
            if (await member.Leases.TryAcquireAsync(typeName, number, host.Incarnation) is not null)
            {
                ClusterLog.ShardGranted(member.Logger, typeName, number, host, lease?.OwnerIncarnation);
                return host.Incarnation == member.Incarnation
                    ? member.RemotingAddress
                    : ClusterMember.RemotingAddressOf(host) ?? throw Refused(shardId, $"{host} has no remoting address");
            }

            // Another node granted it first (or the host just went): read again.
        }

        throw Refused(shardId, $"its lease changed hands under {Attempts} attempts in a row");
    }

    public async ValueTask ShardStopped(string shardId)
    {
        // Given back only when still ours: a shard stopped because it was fenced is someone else's already.
        var number = WriterLease.ShardNumber(shardId);
        if (await member.Leases.ReadLeaseAsync(typeName, number) is { OwnerIncarnation: long owner, State: "active" } lease && owner == member.Incarnation)
        {
            await member.Leases.ReleaseAsync(new WriterLease(typeName, number, owner, lease.Epoch));
        }
    }

    private WriterLeaseRefusedException Refused(string shardId, string why) => new($"shard {typeName}/{shardId} has no home: {why}");
}
