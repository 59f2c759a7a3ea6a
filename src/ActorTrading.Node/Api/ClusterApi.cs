using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ActorTrading.Cluster;
using ActorTrading.Cluster.Hosting;

namespace ActorTrading.Node.Api;

/// <summary>
/// <c>/api/v1/cluster/*</c> (admin): the membership and the shard leases as PostgreSQL holds them now (not this node's
/// cached view), what an operator does to members (leave, down), and the sharding's state asked of each member's regions,
/// for the CLI's <c>cluster</c> and <c>cluster-sharding</c> palettes. A node that runs alone answers 404 saying so.
/// </summary>
internal static class ClusterApi
{
    /// <summary>This node's membership, for the handlers: null when it runs alone.</summary>
    public sealed record NodeCluster(ClusterMember? Member);

    public static void MapClusterApi(this IEndpointRouteBuilder app, IEndpointFilter admin)
    {
        var cluster = app.MapGroup("/api/v1/cluster").AddEndpointFilter(admin);
        cluster.MapGet("/members", MembersAsync).WithName("ClusterMembers");
        cluster.MapGet("/status", StatusAsync).WithName("ClusterStatus");
        cluster.MapGet("/leader", LeaderAsync).WithName("ClusterLeader");
        cluster.MapPost("/leave", LeaveAsync).WithName("ClusterLeave");
        cluster.MapPost("/down", DownAsync).WithName("ClusterDown");
        cluster.MapPost("/down-unreachable", DownUnreachableAsync).WithName("ClusterDownUnreachable");
        cluster.MapGet("/tail", Tail).WithName("ClusterTail");
        cluster.MapGet("/shards", ShardsAsync).WithName("ClusterShards");
        cluster.MapGet("/sharding/{type}/regions", RegionStatsAsync).WithName("ClusterRegionStats");
        cluster.MapGet("/sharding/{type}/shards/{shard}", ShardStatsAsync).WithName("ClusterShardStats");
        cluster.MapGet("/sharding/{type}/entities/{entity}", LocateAsync).WithName("ClusterLocate");
        cluster.MapGet("/sharding/rebalance", (NodeCluster node, string? type, CancellationToken cancellationToken) => RebalanceAsync(node, type, false, cancellationToken))
            .WithName("ClusterRebalancePlan");
        cluster.MapPost("/sharding/rebalance", (NodeCluster node, string? type, CancellationToken cancellationToken) => RebalanceAsync(node, type, true, cancellationToken))
            .WithName("ClusterRebalance");
    }

    private static Task<IResult> MembersAsync(NodeCluster node, bool? all, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var members = await cluster.Membership.ReadMembersAsync(cancellationToken);
        return Results.Ok(new
        {
            self = cluster.Incarnation,
            leader = ClusterMember.LeaderOf(members)?.Incarnation,
            members = members.Where(m => all == true || m.Status != MemberStatus.Removed).Select(View),
        });
    });

    private static Task<IResult> StatusAsync(NodeCluster node, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var members = await cluster.Membership.ReadMembersAsync(cancellationToken);
        var self = members.FirstOrDefault(m => m.Incarnation == cluster.Incarnation);
        var leases = await cluster.Leases.ReadLeasesOwnedByAsync(cluster.Incarnation, cancellationToken);
        return Results.Ok(new
        {
            incarnation = cluster.Incarnation,
            address = self?.Address,
            status = Name(self?.Status),
            roles = self?.Roles,
            member_lease = cluster.LeaseState.ToString().ToLowerInvariant(),
            can_host_shards = cluster.CanHost,
            is_leader = ClusterMember.LeaderOf(members)?.Incarnation == cluster.Incarnation,
            remoting_address = cluster.RemotingAddress.ToString(),
            shards_held = leases.Where(l => l.State == "active").GroupBy(l => l.TypeName).ToDictionary(g => g.Key, g => g.Count()),
        });
    });

    private static Task<IResult> LeaderAsync(NodeCluster node, CancellationToken cancellationToken) => Run(node, async cluster =>
        ClusterMember.LeaderOf(await cluster.Membership.ReadMembersAsync(cancellationToken)) is { } leader
            ? Results.Ok(View(leader))
            : Results.Problem("no member is up, reachable and has the trading role", statusCode: StatusCodes.Status404NotFound, title: "no leader"));

    private static Task<IResult> LeaveAsync(NodeCluster node, string? address, CancellationToken cancellationToken) => Run(node, async cluster =>
        Results.Accepted(value: Changed(await cluster.LeaveAsync(address, cancellationToken), MemberStatus.Leaving)));

    private static Task<IResult> DownAsync(NodeCluster node, string? address, CancellationToken cancellationToken) => Run(node, async cluster =>
        string.IsNullOrWhiteSpace(address)
            ? Problems.Invalid("address", "is required: the address of the member to down (host:port or http://host:port)")
            : Results.Ok(Changed(await cluster.DownAsync(address, cancellationToken), MemberStatus.Down)));

    private static Task<IResult> DownUnreachableAsync(NodeCluster node, CancellationToken cancellationToken) => Run(node, async cluster =>
        Results.Ok(new { downed = (await cluster.DownUnreachableAsync(cancellationToken)).Select(m => Changed(m, MemberStatus.Down)) }));

    // Server-sent events: "open" with the members as they are, then a "member" event per change of status.
    private static IResult Tail(NodeCluster node, HttpContext context, IHostApplicationLifetime lifetime,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        if (node.Member is not { } cluster)
        {
            return Alone();
        }

        var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.Response.RegisterForDispose(ended);
        return TypedResults.ServerSentEvents(Events(cluster, json.Value.SerializerOptions, ended.Token));
    }

    private static async IAsyncEnumerable<SseItem<string>> Events(ClusterMember cluster, System.Text.Json.JsonSerializerOptions json,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribed before the snapshot: a change between the two is sent (at worst twice), never lost.
        var changes = Channel.CreateBounded<MemberEvent>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnChange(MemberEvent change) => changes.Writer.TryWrite(change);
        cluster.MemberEvents += OnChange;
        try
        {
            var members = await cluster.Membership.ReadMembersAsync(cancellationToken);
            yield return new(System.Text.Json.JsonSerializer.Serialize(new { members = members.Where(m => m.Status != MemberStatus.Removed).Select(View) }, json), "open");
            while (true)
            {
                MemberEvent change;
                try
                {
                    change = await changes.Reader.ReadAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return new(System.Text.Json.JsonSerializer.Serialize(new
                {
                    @event = EventName(change.Member.Status),
                    previous_status = Name(change.Previous),
                    at = DateTimeOffset.UtcNow,
                    member = View(change.Member),
                }, json), "member");
            }
        }
        finally
        {
            cluster.MemberEvents -= OnChange;
        }
    }

    private static Task<IResult> ShardsAsync(NodeCluster node, string? type, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var members = (await cluster.Membership.ReadMembersAsync(cancellationToken)).ToDictionary(m => m.Incarnation);
        var leases = await cluster.Leases.ReadAllLeasesAsync(cancellationToken);
        return Results.Ok(new
        {
            types = leases.Where(l => type is null || l.TypeName == type).GroupBy(l => l.TypeName).Select(group => new
            {
                type = group.Key,
                shards_per_member = group.Where(l => l.OwnerIncarnation is not null && l.State == "active")
                    .GroupBy(l => members.TryGetValue(l.OwnerIncarnation ?? 0, out var owner) ? owner.Address : $"incarnation {l.OwnerIncarnation}")
                    .ToDictionary(owner => owner.Key, owner => owner.Count()),
                shards = group.Select(l => new
                {
                    shard_id = l.ShardId,
                    owner_incarnation = l.OwnerIncarnation,
                    owner_address = l.OwnerIncarnation is long owner && members.TryGetValue(owner, out var member) ? member.Address : null,
                    epoch = l.Epoch,
                    state = l.State,
                }),
            }),
        });
    });

    private static Task<IResult> RegionStatsAsync(NodeCluster node, string type, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var regions = await cluster.RegionStatsAsync(type, cancellationToken);
        var epochs = (await cluster.Leases.ReadLeasesAsync(type, cancellationToken)).ToDictionary(l => l.ShardId.ToString(System.Globalization.CultureInfo.InvariantCulture), l => l.Epoch);
        return Results.Ok(new
        {
            type,
            regions = regions.Select(region => new
            {
                address = region.Member.Address,
                incarnation = region.Member.Incarnation,
                status = Name(region.Member.Status),
                shards = region.Shards?.Count,
                entities = region.Shards?.Sum(s => s.EntityIds.Count),
                failure = region.Failure,
                shard_stats = region.Shards?.OrderBy(s => s.ShardId, StringComparer.Ordinal).Select(s => new
                {
                    shard_id = s.ShardId,
                    entities = s.EntityIds.Count,
                    epoch = epochs.TryGetValue(s.ShardId, out var epoch) ? epoch : (long?)null,
                }),
            }),
        });
    });

    private static Task<IResult> ShardStatsAsync(NodeCluster node, string type, string shard, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        if (!int.TryParse(shard, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shardId))
        {
            return Problems.Invalid("shard", $"must be a shard number (0 or more), not '{shard}'");
        }

        var stats = await cluster.ShardStatsAsync(type, shardId, cancellationToken);
        return Results.Ok(new
        {
            type,
            shard_id = shardId,
            state = stats.Lease?.State ?? "unallocated",
            epoch = stats.Lease?.Epoch,
            owner_incarnation = stats.Owner?.Incarnation,
            owner_address = stats.Owner?.Address,
            owner_status = Name(stats.Owner?.Status),
            last_change = stats.LastChange is { } change ? new { epoch = change.Epoch, owner_incarnation = change.OwnerIncarnation, reason = change.Reason, at = change.At } : null,
            entities = stats.EntityIds?.Count,
            entity_ids = stats.EntityIds?.Order(StringComparer.Ordinal),
            failure = stats.Failure,
        });
    });

    private static Task<IResult> LocateAsync(NodeCluster node, string type, string entity, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var where = await cluster.LocateAsync(type, entity, cancellationToken);
        return Results.Ok(new
        {
            type,
            entity_id = entity,
            shard_id = where.ShardId,
            state = where.Lease?.State ?? "unallocated",
            epoch = where.Lease?.Epoch,
            owner_incarnation = where.Owner?.Incarnation,
            owner_address = where.Owner?.Address,
            running = where.Running,
            entity_path = where.EntityPath,
        });
    });

    private static Task<IResult> RebalanceAsync(NodeCluster node, string? type, bool apply, CancellationToken cancellationToken) => Run(node, async cluster =>
    {
        var moves = await cluster.RebalanceAsync(type, apply, cancellationToken);
        var members = (await cluster.Membership.ReadMembersAsync(cancellationToken)).ToDictionary(m => m.Incarnation, m => m.Address);
        return Results.Ok(new
        {
            applied = apply,
            moves = moves.Select(m => new
            {
                type = m.Move.TypeName,
                shard_id = m.Move.Move.ShardId,
                from_incarnation = m.Move.Move.From,
                from_address = members.GetValueOrDefault(m.Move.Move.From),
                to_incarnation = m.Move.Move.To,
                to_address = members.GetValueOrDefault(m.Move.Move.To),
                moved = m.Moved,
            }),
        });
    });

    // The membership's refusals as problem details; the store out of reach as 503 (the next try may work).
    private static async Task<IResult> Run(NodeCluster node, Func<ClusterMember, Task<IResult>> handle)
    {
        if (node.Member is not { } cluster)
        {
            return Alone();
        }

        try
        {
            return await handle(cluster);
        }
        catch (ClusterRequestException refused)
        {
            return Results.Problem(refused.Message, statusCode: refused.Error == ClusterRequestError.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);
        }
        catch (Exception unreachable) when (unreachable is Npgsql.NpgsqlException or TimeoutException)
        {
            return Problems.Unavailable($"the cluster's database did not answer: {unreachable.Message}");
        }
    }

    private static object View(Member m) => new
    {
        incarnation = m.Incarnation,
        address = m.Address,
        node_name = m.NodeName,
        roles = m.Roles,
        status = Name(m.Status),
        // A live member that stopped renewing its lease is unreachable as far as the membership can tell.
        reachability = m.Reachability == Reachability.Unreachable || (m.IsLive && m.LeaseExpired) ? "unreachable" : "reachable",
        app_version = m.AppVersion,
        up_number = m.UpNumber,
        lease_expires_at = m.LeaseExpiresAt,
        remoting_address = m.RemotingAddress,
    };

    private static object Changed(Member member, MemberStatus to) => new
    {
        incarnation = member.Incarnation,
        address = member.Address,
        previous_status = Name(member.Status),
        status = Name(to),
    };

    // Akka's member event names.
    private static string EventName(MemberStatus status) => status switch
    {
        MemberStatus.Joining => "member-joined",
        MemberStatus.Up => "member-up",
        MemberStatus.Leaving => "member-left",
        MemberStatus.Exiting => "member-exited",
        MemberStatus.Down => "member-downed",
        _ => "member-removed",
    };

    private static string? Name(MemberStatus? status) => status?.ToString().ToLowerInvariant();

    private static IResult Alone() => Results.Problem("this node runs alone (started without --cluster): it has no members and no shard leases",
        statusCode: StatusCodes.Status404NotFound, title: "not a cluster member");
}
