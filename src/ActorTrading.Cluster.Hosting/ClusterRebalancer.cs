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

        var moves = await PlanAsync(members, null, cancellationToken);
        var done = await Task.WhenAll(moves.Select(move => MoveAsync(move, members, cancellationToken)));
        return done.Count(ok => ok);
    }

    /// <summary>One round's moves of every entity type (or of <paramref name="typeName"/>), as the leases stand now.</summary>
    public async Task<IReadOnlyList<PlannedShardMove>> PlanAsync(IReadOnlyList<Member> members, string? typeName, CancellationToken cancellationToken)
    {
        var planned = new List<PlannedShardMove>();
        var leases = typeName is null ? await member.Leases.ReadAllLeasesAsync(cancellationToken) : await member.Leases.ReadLeasesAsync(typeName, cancellationToken);
        foreach (var type in leases.GroupBy(l => l.TypeName))
        {
            var allocations = type.Where(l => l is { OwnerIncarnation: not null, State: "active" }).ToDictionary(l => l.ShardId, l => l.OwnerIncarnation ?? 0);
            planned.AddRange(ShardAllocation.PlanRebalance(members, allocations, settings).Select(move => new PlannedShardMove(type.Key, move)));
        }

        return planned;
    }

    /// <summary>Hands <paramref name="planned"/>'s shard off from its owner and grants it to the target; false when it did
    /// not move (its owner went, or did not give the lease back in time).</summary>
    public async Task<bool> MoveAsync(PlannedShardMove planned, IReadOnlyList<Member> members, CancellationToken cancellationToken)
    {
        var (typeName, move) = planned;
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

/// <summary>A shard of <paramref name="TypeName"/> a rebalance round moves.</summary>
public sealed record PlannedShardMove(string TypeName, ShardMove Move);
