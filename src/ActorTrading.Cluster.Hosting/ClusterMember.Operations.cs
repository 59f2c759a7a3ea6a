using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;
using ActorTrading.Cluster.Postgres;

namespace ActorTrading.Cluster.Hosting;

/// <summary>What an operator asks of the cluster (the CLI's <c>cluster</c> and <c>cluster-sharding</c> palettes): the
/// leader, leave and down, and the sharding's state, read from the lease table and from each member's regions.</summary>
public sealed partial class ClusterMember
{
    private static readonly TimeSpan s_inspectionTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The entity types whose regions this node started.</summary>
    public IReadOnlyCollection<string> EntityTypes => _system is { } system ? ClusterSharding.Get(system).TypeNames : [];

    /// <summary>The leader: the oldest up, reachable <c>trading</c> member, the one that plans rebalance rounds (this
    /// cluster has no coordinator singleton; downing is done by any member). Null when no member can host.</summary>
    public static Member? LeaderOf(IEnumerable<Member> members) => ShardAllocation.Hosts(members) is [var oldest, ..] ? oldest : null;

    /// <summary>Makes the member at <paramref name="address"/> (this one when null) <c>leaving</c>: it sees that in the
    /// membership and stops gracefully, handing its shards off. Returns the member as it was.</summary>
    public async Task<Member> LeaveAsync(string? address, CancellationToken cancellationToken)
    {
        var member = await FindLiveAsync(address ?? _httpAddress, cancellationToken);
        if (!await Membership.LeaveAsync(member.Incarnation, cancellationToken))
        {
            throw new ClusterRequestException(ClusterRequestError.Conflict,
                $"{member.Address} is {member.Status.ToString().ToLowerInvariant()}: only an up member can leave");
        }

        ClusterLog.OperatorChanged(Logger, "made leaving", member);
        return member;
    }

    /// <summary>Downs the member at <paramref name="address"/> now, whatever its lease: its shards may be taken over at once
    /// (a write it still makes is fenced by the new epochs), and it stops when it learns it. Returns the member as it was.</summary>
    public async Task<Member> DownAsync(string address, CancellationToken cancellationToken)
    {
        var member = await FindLiveAsync(address, cancellationToken);
        if (!await Membership.DownAsync(member.Incarnation, "downed by an operator", cancellationToken))
        {
            throw new ClusterRequestException(ClusterRequestError.Conflict, $"{member.Address} is no longer live: it left or was downed just now");
        }

        ClusterLog.OperatorChanged(Logger, "downed", member);
        return member;
    }

    /// <summary>Downs every live member whose lease expired (or that a peer reported unreachable) now, without the
    /// restart grace. Returns the members downed, as they were.</summary>
    public async Task<IReadOnlyList<Member>> DownUnreachableAsync(CancellationToken cancellationToken)
    {
        var before = await Membership.ReadMembersAsync(cancellationToken);
        var downed = (await Membership.DownUnreachableAsync(cancellationToken)).ToHashSet();
        var members = before.Where(m => downed.Contains(m.Incarnation)).ToList();
        foreach (var member in members)
        {
            ClusterLog.OperatorChanged(Logger, "downed (unreachable)", member);
        }

        return members;
    }

    /// <summary>Each live member's shards of <paramref name="typeName"/> and their live entities, asked of its region
    /// (Akka's <c>GetClusterShardingStats</c>); a member that does not answer in 5 s is listed with the failure.</summary>
    public async Task<IReadOnlyList<RegionStats>> RegionStatsAsync(string typeName, CancellationToken cancellationToken)
    {
        RequireType(typeName);
        var members = (await Membership.ReadMembersAsync(cancellationToken)).Where(m => m.IsLive && m.Status != MemberStatus.Joining).ToList();
        return await Task.WhenAll(members.Select(async member =>
        {
            try
            {
                var state = await RegionAt(member, typeName).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, s_inspectionTimeout, cancellationToken);
                return new RegionStats(member, state.Shards, null);
            }
            catch (Exception failure) when (failure is AskTimeoutException or InvalidOperationException)
            {
                return new RegionStats(member, null, failure.Message);
            }
        }));
    }

    /// <summary>One shard of <paramref name="typeName"/>: its lease, owner, last change of hands and live entities.</summary>
    public async Task<ShardStats> ShardStatsAsync(string typeName, int shardId, CancellationToken cancellationToken)
    {
        RequireType(typeName);
        var (lease, owner, active) = await LeaseAndOwnerAsync(typeName, shardId, cancellationToken);
        var history = await Leases.ReadHistoryAsync(typeName, shardId, cancellationToken);
        if (!active || owner is null)
        {
            return new ShardStats(typeName, shardId, lease, owner, LastOf(history), null, null);
        }

        var shard = shardId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var state = await RegionAt(owner, typeName).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, s_inspectionTimeout, cancellationToken);
            return new ShardStats(typeName, shardId, lease, owner, LastOf(history),
                state.Shards.FirstOrDefault(s => s.ShardId == shard)?.EntityIds ?? new HashSet<string>(), null);
        }
        catch (Exception failure) when (failure is AskTimeoutException or InvalidOperationException)
        {
            return new ShardStats(typeName, shardId, lease, owner, LastOf(history), null, failure.Message);
        }
    }

    /// <summary>Where the entity <paramref name="entityId"/> of <paramref name="typeName"/> is (Akka's <c>GetEntityLocation</c>):
    /// its shard, the shard's lease and owner, and whether it runs there now. Starts nothing.</summary>
    public async Task<EntityWhereabouts> LocateAsync(string typeName, string entityId, CancellationToken cancellationToken)
    {
        RequireType(typeName);
        var system = _system ?? throw new InvalidOperationException("the member has not joined");
        // This node's region knows the extractor: it names the shard (and, if the shard is here, asks it).
        var here = await ClusterSharding.Get(system).ShardRegion(typeName)
            .Ask<EntityLocation>(replyTo => new GetEntityLocation(entityId, replyTo), s_inspectionTimeout, cancellationToken);
        var shardId = WriterLease.ShardNumber(here.ShardId);
        var (lease, owner, active) = await LeaseAndOwnerAsync(typeName, shardId, cancellationToken);
        if (!active || owner is null)
        {
            return new EntityWhereabouts(typeName, entityId, shardId, lease, owner, null, null);
        }

        var there = owner.Incarnation == Incarnation
            ? here
            : await RegionAt(owner, typeName).Ask<EntityLocation>(replyTo => new GetEntityLocation(entityId, replyTo), s_inspectionTimeout, cancellationToken);
        return new EntityWhereabouts(typeName, entityId, shardId, lease, owner, there.EntityRef is not null, there.EntityRef?.Path.ToString());
    }

    /// <summary>The moves of one rebalance round of every type (or of <paramref name="typeName"/>); made when
    /// <paramref name="apply"/>, else only planned (a dry run). Returns each move and, when applied, whether it was made.</summary>
    public async Task<IReadOnlyList<(PlannedShardMove Move, bool? Moved)>> RebalanceAsync(string? typeName, bool apply, CancellationToken cancellationToken)
    {
        if (typeName is not null)
        {
            RequireType(typeName);
        }

        var rebalancer = _rebalancer ?? throw new InvalidOperationException("the member has not joined");
        var members = await Membership.ReadMembersAsync(cancellationToken);
        var moves = await rebalancer.PlanAsync(members, typeName, cancellationToken);
        if (!apply)
        {
            return [.. moves.Select(move => (move, (bool?)null))];
        }

        var moved = await Task.WhenAll(moves.Select(move => rebalancer.MoveAsync(move, members, cancellationToken)));
        if (moved.Any(ok => ok))
        {
            ShardsMoved();
        }

        return [.. moves.Zip(moved, (move, ok) => (move, (bool?)ok))];
    }

    // A shard's lease, the member it names, and whether that member is live and the lease active (the shard is there).
    private async Task<(ShardLease? Lease, Member? Owner, bool Active)> LeaseAndOwnerAsync(string typeName, int shardId, CancellationToken cancellationToken)
    {
        var lease = await Leases.ReadLeaseAsync(typeName, shardId, cancellationToken);
        var owner = lease?.OwnerIncarnation is long incarnation
            ? (await Membership.ReadMembersAsync(cancellationToken)).FirstOrDefault(m => m.Incarnation == incarnation)
            : null;
        return (lease, owner, owner is { IsLive: true } && lease?.State == "active");
    }

    private static ShardLeaseHistoryEntry? LastOf(IReadOnlyList<ShardLeaseHistoryEntry> history) => history.Count > 0 ? history[^1] : null;

    private void RequireType(string typeName)
    {
        if (!EntityTypes.Contains(typeName))
        {
            throw new ClusterRequestException(ClusterRequestError.NotFound,
                $"no entity type '{typeName}' (known: {string.Join(", ", EntityTypes.Order(StringComparer.Ordinal))})");
        }
    }

    private IActorRef RegionAt(Member member, string typeName)
    {
        var system = _system ?? throw new InvalidOperationException("the member has not joined");
        return member.Incarnation == Incarnation
            ? ClusterSharding.Get(system).ShardRegion(typeName)
            : RemotingAddressOf(member) is { } address
            ? system.Provider.ResolveActorRef(new ActorPath(address, ["system", "sharding", typeName]))
            : throw new InvalidOperationException($"{member.Address} published no remoting address");
    }

    // An address as the membership holds it (http://host:port) or as an operator types it (host:port).
    private async Task<Member> FindLiveAsync(string address, CancellationToken cancellationToken)
    {
        var members = await Membership.ReadMembersAsync(cancellationToken);
        var live = members.Where(m => m.IsLive).ToList();
        return live.FirstOrDefault(m => SameAddress(m.Address, address))
               ?? throw new ClusterRequestException(ClusterRequestError.NotFound,
                   $"no live member at '{address}' (live: {(live.Count == 0 ? "none" : string.Join(", ", live.Select(m => m.Address)))})");
    }

    private static bool SameAddress(string member, string given)
    {
        if (string.Equals(member, given.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var text = given.Contains("://", StringComparison.Ordinal) ? given : "http://" + given;
        return Uri.TryCreate(member, UriKind.Absolute, out var held) && Uri.TryCreate(text, UriKind.Absolute, out var asked)
               && string.Equals(held.Authority, asked.Authority, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A live member's region of one entity type: its shards and their live entities, or why it did not answer.</summary>
public sealed record RegionStats(Member Member, IReadOnlyList<ShardState>? Shards, string? Failure);

/// <summary>One shard: its lease, its owner, the last change of hands, and its live entities (null when its owner is not
/// live or did not answer: <paramref name="Failure"/> says which).</summary>
public sealed record ShardStats(string TypeName, int ShardId, ShardLease? Lease, Member? Owner, ShardLeaseHistoryEntry? LastChange,
    IReadOnlySet<string>? EntityIds, string? Failure);

/// <summary>Where an entity is: its shard, the lease and owner of that shard, and whether it runs there (null when the shard
/// has no live owner: it starts where the shard is granted, at its next message).</summary>
public sealed record EntityWhereabouts(string TypeName, string EntityId, int ShardId, ShardLease? Lease, Member? Owner, bool? Running, string? EntityPath);

/// <summary>What kind of refusal a <see cref="ClusterRequestException"/> is.</summary>
public enum ClusterRequestError
{
    /// <summary>No such member or entity type.</summary>
    NotFound,

    /// <summary>The member is not in a state the request applies to.</summary>
    Conflict,
}

/// <summary>An operator's request the cluster refuses, with what was wrong.</summary>
public sealed class ClusterRequestException(ClusterRequestError error, string message) : Exception(message)
{
    /// <summary>The kind of refusal.</summary>
    public ClusterRequestError Error { get; } = error;
}
