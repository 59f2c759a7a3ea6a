namespace ActorTrading.Cluster;

/// <summary>A shard to move in a rebalance round: hand it off from one member, then the other acquires it.</summary>
/// <param name="ShardId">The shard.</param>
/// <param name="From">The incarnation that holds it now.</param>
/// <param name="To">The incarnation that is to take it.</param>
public sealed record ShardMove(int ShardId, long From, long To);

/// <summary>
/// Where shards go, decided from the membership and the current allocations alone (no database, no actors), in the spirit
/// of Akka's <c>LeastShardAllocationStrategy</c>: a new shard goes to the least-loaded <c>trading</c> member that is up and
/// reachable; a rebalance moves shards from the most to the least loaded, a limited number per round.
/// </summary>
public static class ShardAllocation
{
    /// <summary>The members that may own shards: up, reachable, with the <c>trading</c> role, oldest first.</summary>
    public static IReadOnlyList<Member> Hosts(IEnumerable<Member> members) =>
        [.. members.Where(m => m.Status == MemberStatus.Up && m.Reachability == Reachability.Reachable && m.HasRole(ClusterRoles.Trading))
                   .OrderBy(m => m.UpNumber ?? int.MaxValue).ThenBy(m => m.Incarnation)];

    /// <summary>The member to take an unallocated shard: the host with the fewest shards in <paramref name="allocations"/>
    /// (shard → owner incarnation), the oldest on a tie; null when no member can host.</summary>
    public static Member? AllocateShard(IEnumerable<Member> members, IReadOnlyDictionary<int, long> allocations)
    {
        var hosts = Hosts(members);
        if (hosts.Count == 0)
        {
            return null;
        }

        var counts = Counts(hosts, allocations);
        return hosts.MinBy(h => counts[h.Incarnation]);
    }

    /// <summary>The shards of one round to move from <paramref name="allocations"/>: at most <see cref="RoundLimit"/>, each
    /// from the most loaded host to the least loaded, until no host has two more than another. Shards held by members that
    /// are not hosts are left alone (they are taken over when their owner is downed, not rebalanced).</summary>
    public static IReadOnlyList<ShardMove> PlanRebalance(IEnumerable<Member> members, IReadOnlyDictionary<int, long> allocations, ClusterSettings settings)
    {
        var hosts = Hosts(members);
        if (hosts.Count < 2)
        {
            return [];
        }

        // Each host's shards, lowest ids moved first so that a plan is the same on every node.
        var held = hosts.ToDictionary(h => h.Incarnation, h => new SortedSet<int>());
        foreach (var (shard, owner) in allocations)
        {
            if (held.TryGetValue(owner, out var shards))
            {
                shards.Add(shard);
            }
        }

        var limit = RoundLimit(allocations.Count, settings);
        var moves = new List<ShardMove>();
        while (moves.Count < limit)
        {
            var most = hosts.MaxBy(h => held[h.Incarnation].Count);
            var least = hosts.MinBy(h => held[h.Incarnation].Count);
            if (most is null || least is null || held[most.Incarnation].Count - held[least.Incarnation].Count <= 1)
            {
                break;
            }

            var shard = held[most.Incarnation].Min;
            held[most.Incarnation].Remove(shard);
            held[least.Incarnation].Add(shard);
            moves.Add(new ShardMove(shard, most.Incarnation, least.Incarnation));
        }

        return moves;
    }

    /// <summary>How many shards one round may move: the smaller of the absolute limit and the relative limit of
    /// <paramref name="totalShards"/>, and at least one.</summary>
    public static int RoundLimit(int totalShards, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Math.Max(1, Math.Min(settings.RebalanceAbsoluteLimit, (int)Math.Floor(settings.RebalanceRelativeLimit * totalShards)));
    }

    private static Dictionary<long, int> Counts(IReadOnlyList<Member> hosts, IReadOnlyDictionary<int, long> allocations)
    {
        var counts = hosts.ToDictionary(h => h.Incarnation, _ => 0);
        foreach (var owner in allocations.Values)
        {
            if (counts.TryGetValue(owner, out var count))
            {
                counts[owner] = count + 1;
            }
        }

        return counts;
    }
}
