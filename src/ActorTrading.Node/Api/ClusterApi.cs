using ActorTrading.Cluster;
using ActorTrading.Cluster.Hosting;

namespace ActorTrading.Node.Api;

/// <summary>
/// <c>GET /api/v1/cluster/members</c> and <c>GET /api/v1/cluster/shards</c> (admin): the membership and the shard leases as
/// PostgreSQL holds them now (not this node's cached view), for <c>actortrading cluster show</c> and
/// <c>cluster-sharding</c>. A node that runs alone answers 404 saying so.
/// </summary>
internal static class ClusterApi
{
    /// <summary>This node's membership, for the handlers: null when it runs alone.</summary>
    public sealed record NodeCluster(ClusterMember? Member);

    public static void MapClusterApi(this IEndpointRouteBuilder app, IEndpointFilter admin)
    {
        app.MapGet("/api/v1/cluster/members", MembersAsync).AddEndpointFilter(admin).WithName("ClusterMembers");
        app.MapGet("/api/v1/cluster/shards", ShardsAsync).AddEndpointFilter(admin).WithName("ClusterShards");
    }

    private static async Task<IResult> MembersAsync(NodeCluster node, bool? all, CancellationToken cancellationToken)
    {
        if (node.Member is not { } cluster)
        {
            return Alone();
        }

        var members = await cluster.Membership.ReadMembersAsync(cancellationToken);
        return Results.Ok(new
        {
            self = cluster.Incarnation,
            members = members.Where(m => all == true || m.Status != MemberStatus.Removed).Select(m => new
            {
                incarnation = m.Incarnation,
                address = m.Address,
                node_name = m.NodeName,
                roles = m.Roles,
                status = m.Status.ToString().ToLowerInvariant(),
                reachability = m.Reachability.ToString().ToLowerInvariant(),
                app_version = m.AppVersion,
                up_number = m.UpNumber,
                lease_expires_at = m.LeaseExpiresAt,
                remoting_address = m.RemotingAddress,
            }),
        });
    }

    private static async Task<IResult> ShardsAsync(NodeCluster node, string? type, CancellationToken cancellationToken)
    {
        if (node.Member is not { } cluster)
        {
            return Alone();
        }

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
    }

    private static IResult Alone() => Results.Problem("this node runs alone (started without --cluster): it has no members and no shard leases",
        statusCode: StatusCodes.Status404NotFound, title: "not a cluster member");
}
