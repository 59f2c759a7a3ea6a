using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Cluster.Hosting;

/// <summary>
/// Evens out the shards when members join (Akka's rebalance by the coordinator): every
/// <see cref="ClusterSettings.RebalanceInterval"/> the oldest up member plans one round per entity type
/// (<see cref="ShardAllocation.PlanRebalance"/>, limited per round), asks each shard's owner to hand it off, and once
/// the owner has given the lease back grants it to the target, so that the move counts at once, before its next message.
/// </summary>
internal sealed class ClusterRebalancer(ClusterMember member, ClusterSettings settings, ActorSystem system)
{
    private static readonly TimeSpan s_releasePoll = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.RebalanceInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (await RoundAsync(cancellationToken) > 0)
                    {
                        member.ShardsMoved();
                    }
                }
                catch (Exception failure) when (failure is not OperationCanceledException and not OutOfMemoryException)
                {
                    ClusterLog.RebalanceFailed(member.Logger, failure.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> RoundAsync(CancellationToken cancellationToken)
    {
        var members = await member.Membership.ReadMembersAsync(cancellationToken);
        if (!member.CanHost || ShardAllocation.Hosts(members) is not [var oldest, ..] || oldest.Incarnation != member.Incarnation)
        {
            return 0; // only the oldest host plans, and only while it holds its lease
        }

        var moved = 0;
        foreach (var type in (await member.Leases.ReadAllLeasesAsync(cancellationToken)).GroupBy(l => l.TypeName))
        {
            var allocations = type.Where(l => l is { OwnerIncarnation: not null, State: "active" }).ToDictionary(l => l.ShardId, l => l.OwnerIncarnation ?? 0);
            var moves = ShardAllocation.PlanRebalance(members, allocations, settings);
            var done = await Task.WhenAll(moves.Select(move => MoveAsync(type.Key, move, members, cancellationToken)));
            moved += done.Count(ok => ok);
        }

        return moved;
    }

    private async Task<bool> MoveAsync(string typeName, ShardMove move, IReadOnlyList<Member> members, CancellationToken cancellationToken)
    {
        if (members.FirstOrDefault(m => m.Incarnation == move.From) is not { } from || ClusterMember.RemotingAddressOf(from) is not { } address)
        {
            return false;
        }

        var shardId = move.ShardId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var region = system.Provider.ResolveActorRef(new ActorPath(address, ["system", "sharding", typeName]));
        region.Tell(new HandOff(shardId), null);
        ClusterLog.Rebalancing(member.Logger, typeName, move.ShardId, move.From, move.To);

        // The owner stops the shard's entities and gives the lease back (or it moved for another reason: nothing to do).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(s_releasePoll, cancellationToken);
            var lease = await member.Leases.ReadLeaseAsync(typeName, move.ShardId, cancellationToken);
            if (lease is null || lease.OwnerIncarnation != move.From || lease.State != "active")
            {
                return lease is { OwnerIncarnation: null }
                    ? await member.Leases.TryAcquireAsync(typeName, move.ShardId, move.To, cancellationToken) is WriterLease
                    : lease?.OwnerIncarnation == move.To;
            }
        }

        return false;
    }
}
