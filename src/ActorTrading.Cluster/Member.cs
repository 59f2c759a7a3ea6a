namespace ActorTrading.Cluster;

/// <summary>
/// A member's lifecycle, as Akka.NET's cluster names it. Only the first four are live: they renew a lease, and only
/// an <see cref="Up"/> member may take shards.
/// <code>
/// joining ──► up ──► leaving ──► exiting ──► removed
///    │         │        │           │
///    └─────────┴────────┴───────────┴──► down (lease expired, or an operator) ──► removed
/// </code>
/// </summary>
public enum MemberStatus
{
    /// <summary>Inserted, not yet given an up number.</summary>
    Joining,

    /// <summary>A full member: may own shards.</summary>
    Up,

    /// <summary>Handing off its shards (coordinated shutdown).</summary>
    Leaving,

    /// <summary>Its shards are handed off; about to stop.</summary>
    Exiting,

    /// <summary>Declared dead (its lease expired, or an operator downed it); its shards may be taken over.</summary>
    Down,

    /// <summary>Gone for good; kept as history.</summary>
    Removed,
}

/// <summary>Whether the member's peers can reach it (a member may be up in the database and unreachable over the network).</summary>
public enum Reachability
{
    /// <summary>No peer reports it unreachable.</summary>
    Reachable,

    /// <summary>At least one peer reports it unreachable.</summary>
    Unreachable,
}

/// <summary>Who a node is when it joins: what a new member row is made of.</summary>
/// <param name="NodeName">A readable name (host name, pod name).</param>
/// <param name="Address">Where peers reach it: the https://host:port of its HTTP/2 endpoint. One live incarnation per address.</param>
/// <param name="Roles">Its roles (<see cref="ClusterRoles"/>).</param>
/// <param name="AppVersion">The build it runs, for rolling upgrades and <c>cluster show</c>.</param>
public sealed record MemberIdentity(string NodeName, string Address, IReadOnlyList<string> Roles, string AppVersion)
{
    /// <summary>Where peers send it actor messages (its remoting address, <c>akka.tcp://system@host:port</c>); null for a
    /// member that only takes part in membership.</summary>
    public string? RemotingAddress { get; init; }

    /// <summary>Throws with the name of the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName))
        {
            throw new ArgumentException("NodeName must not be empty", nameof(NodeName));
        }

        if (!Uri.TryCreate(Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Address must be an absolute http or https URL (was '{Address}')", nameof(Address));
        }

        if (Roles.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Roles must not contain an empty role", nameof(Roles));
        }

        if (string.IsNullOrWhiteSpace(AppVersion))
        {
            throw new ArgumentException("AppVersion must not be empty", nameof(AppVersion));
        }
    }
}

/// <summary>The roles the node knows.</summary>
public static class ClusterRoles
{
    /// <summary>Accepts webhooks and API calls.</summary>
    public const string Ingress = "ingress";

    /// <summary>Hosts shards (bots and subscriptions).</summary>
    public const string Trading = "trading";
}

/// <summary>One incarnation of a node in the cluster, as the membership table holds it.</summary>
/// <param name="Incarnation">Unique for every start of a node (Akka's uid, Orleans' generation); never reused.</param>
/// <param name="NodeName">Its readable name.</param>
/// <param name="Address">Where peers reach it.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="AppVersion">The build it runs.</param>
/// <param name="Status">Where it is in its lifecycle.</param>
/// <param name="UpNumber">The order in which it reached <see cref="MemberStatus.Up"/> (oldest = smallest); null before.</param>
/// <param name="LeaseExpiresAt">When its member lease expires, by the database clock.</param>
/// <param name="Reachability">Whether its peers reach it.</param>
public sealed record Member(
    long Incarnation,
    string NodeName,
    string Address,
    IReadOnlyList<string> Roles,
    string AppVersion,
    MemberStatus Status,
    int? UpNumber,
    DateTimeOffset LeaseExpiresAt,
    Reachability Reachability)
{
    /// <summary>Where peers send it actor messages (<see cref="MemberIdentity.RemotingAddress"/>).</summary>
    public string? RemotingAddress { get; init; }

    /// <summary>Whether its lease had expired by the database clock when the row was read (a live member that stopped
    /// renewing: dead, paused or cut off, and about to be downed).</summary>
    public bool LeaseExpired { get; init; }

    /// <summary>Whether the member renews a lease (joining, up, leaving, exiting).</summary>
    public bool IsLive => Status is MemberStatus.Joining or MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting;

    /// <summary>Whether it has <paramref name="role"/>.</summary>
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{Address} incarnation {Incarnation} ({Status.ToString().ToLowerInvariant()})";
}

/// <summary>A member's status changed (Akka's <c>MemberUp</c>, <c>MemberLeft</c>, <c>MemberExited</c>, <c>MemberDowned</c>,
/// <c>MemberRemoved</c>), or a member was first seen (<paramref name="Previous"/> null).</summary>
/// <param name="Member">The member as the membership now holds it.</param>
/// <param name="Previous">Its status before; null when first seen.</param>
public sealed record MemberEvent(Member Member, MemberStatus? Previous);

/// <summary>A shard's lease as the lease table holds it.</summary>
/// <param name="TypeName">The entity type (<c>bot</c>, <c>subscription</c>, <c>singleton</c>).</param>
/// <param name="ShardId">The shard.</param>
/// <param name="OwnerIncarnation">The member that holds it; null when unallocated.</param>
/// <param name="Epoch">The fencing token: one higher on every change of hands.</param>
/// <param name="State"><c>unallocated</c>, <c>active</c> or <c>handing_off</c>.</param>
public sealed record ShardLease(string TypeName, int ShardId, long? OwnerIncarnation, long Epoch, string State);
