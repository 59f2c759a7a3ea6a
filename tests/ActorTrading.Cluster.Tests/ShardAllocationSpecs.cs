namespace ActorTrading.Cluster.Tests;

/// <summary>Where shards go (issue 17), decided without a database: least-loaded trading member; rebalance on join limited per round.</summary>
public sealed class ShardAllocationSpecs
{
    private static Member Node(long incarnation, int upNumber, MemberStatus status = MemberStatus.Up, Reachability reachability = Reachability.Reachable, params string[] roles) =>
        new(incarnation, $"n{incarnation}", $"https://127.0.0.1:{9000 + incarnation}", roles.Length == 0 ? [ClusterRoles.Ingress, ClusterRoles.Trading] : roles,
            "1.0", status, upNumber, DateTimeOffset.UnixEpoch, reachability);

    private static Dictionary<int, long> Owned(params (long Owner, int Count)[] owners)
    {
        var allocations = new Dictionary<int, long>();
        var shard = 0;
        foreach (var (owner, count) in owners)
        {
            for (var i = 0; i < count; i++)
            {
                allocations[shard++] = owner;
            }
        }

        return allocations;
    }

    [Fact]
    public void An_unallocated_shard_goes_to_the_least_loaded_up_trading_member()
    {
        Member[] members = [Node(1, 1), Node(2, 2), Node(3, 3)];
        ShardAllocation.AllocateShard(members, Owned((1, 3), (2, 1), (3, 2)))?.Incarnation.ShouldBe(2);
    }

    [Fact]
    public void A_tie_goes_to_the_oldest_member()
    {
        Member[] members = [Node(7, 3), Node(5, 2), Node(9, 1)];
        ShardAllocation.AllocateShard(members, Owned())?.Incarnation.ShouldBe(9);
    }

    [Fact]
    public void Members_that_are_not_up_not_reachable_or_not_trading_get_no_shard()
    {
        Member[] members = [
            Node(1, 1), Node(2, 2, MemberStatus.Leaving), Node(3, 3, MemberStatus.Joining), Node(4, 4, MemberStatus.Down),
            Node(5, 5, reachability: Reachability.Unreachable), Node(6, 6, roles: ClusterRoles.Ingress)];
        ShardAllocation.AllocateShard(members, Owned((1, 50)))?.Incarnation.ShouldBe(1);
        ShardAllocation.AllocateShard(members.Skip(1), Owned()).ShouldBeNull();
    }

    [Fact]
    public void A_new_member_receives_at_most_the_round_limit_from_the_most_loaded()
    {
        Member[] members = [Node(1, 1), Node(2, 2), Node(3, 3)];
        var settings = new ClusterSettings { RebalanceAbsoluteLimit = 4, RebalanceRelativeLimit = 0.5 };

        var plan = ShardAllocation.PlanRebalance(members, Owned((1, 15), (2, 15)), settings);

        plan.Count.ShouldBe(4);
        plan.ShouldAllBe(m => m.To == 3);
        plan.Count(m => m.From == 1).ShouldBe(2);
        plan.Count(m => m.From == 2).ShouldBe(2);
        plan.Select(m => m.ShardId).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public void The_relative_limit_caps_a_round_when_it_is_the_smaller()
    {
        var settings = new ClusterSettings { RebalanceAbsoluteLimit = 100, RebalanceRelativeLimit = 0.1 };
        ShardAllocation.RoundLimit(30, settings).ShouldBe(3);
        ShardAllocation.RoundLimit(5, settings).ShouldBe(1); // at least one
        ShardAllocation.PlanRebalance([Node(1, 1), Node(2, 2)], Owned((1, 30)), settings).Count.ShouldBe(3);
    }

    [Fact]
    public void Rounds_even_the_counts_out_and_then_plan_nothing()
    {
        Member[] members = [Node(1, 1), Node(2, 2), Node(3, 3)];
        var settings = new ClusterSettings { RebalanceAbsoluteLimit = 3 };
        var allocations = Owned((1, 16), (2, 15));
        var rounds = 0;
        while (ShardAllocation.PlanRebalance(members, allocations, settings) is { Count: > 0 } plan)
        {
            foreach (var move in plan)
            {
                allocations[move.ShardId].ShouldBe(move.From);
                allocations[move.ShardId] = move.To;
            }

            rounds++;
            rounds.ShouldBeLessThan(10);
        }

        var counts = allocations.Values.GroupBy(o => o).Select(g => g.Count()).ToList();
        (counts.Max() - counts.Min()).ShouldBeLessThanOrEqualTo(1);
        counts.Count.ShouldBe(3);
        rounds.ShouldBe(4); // 10 shards to move, 3 per round
    }

    [Fact]
    public void Shards_of_a_member_that_is_not_a_host_are_not_rebalanced()
    {
        Member[] members = [Node(1, 1), Node(2, 2), Node(3, 3, MemberStatus.Down)];
        ShardAllocation.PlanRebalance(members, Owned((1, 1), (2, 1), (3, 20)), new ClusterSettings()).ShouldBeEmpty();
    }
}
