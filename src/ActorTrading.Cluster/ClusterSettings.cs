namespace ActorTrading.Cluster;

/// <summary>
/// The cluster's settings under <c>ActorTrading:Cluster</c>. Every key, its default and why; <see cref="Validate"/> names
/// the first invalid one. Expiry is judged by PostgreSQL's clock; the local deadline
/// (<see cref="MemberLeaseTtl"/> − <see cref="LeaseSafetyMargin"/>) by this node's monotonic clock.
/// </summary>
public sealed record ClusterSettings
{
    /// <summary>The configuration section of these settings.</summary>
    public const string Section = "ActorTrading:Cluster";

    /// <summary><c>ActorTrading:Cluster:ClusterId</c>: which cluster the member rows belong to, so that several clusters can
    /// share a database. Default <c>actortrading</c>.</summary>
    public string ClusterId { get; init; } = "actortrading";

    /// <summary><c>ActorTrading:Cluster:HeartbeatInterval</c>: how often a member renews its lease. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>ActorTrading:Cluster:MemberLeaseTtl</c>: how long a renewal keeps a member alive, by the database clock;
    /// after it another member downs it and takes its shards. Default 3 s (the 5 s failover budget: 3 s + detection + recovery).</summary>
    public TimeSpan MemberLeaseTtl { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary><c>ActorTrading:Cluster:LeaseSafetyMargin</c>: how long before the TTL the node stops its own shards when no
    /// renewal has succeeded (fail-stop), covering the round trip and clock drift. Default 0.5 s (local deadline 2.5 s).</summary>
    public TimeSpan LeaseSafetyMargin { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>ActorTrading:Cluster:RestartDowningGrace</c>: nobody is downed until this long after PostgreSQL started, so
    /// that a database outage longer than the TTL does not down every member at once. Default 4 s (TTL + 1 s).</summary>
    public TimeSpan RestartDowningGrace { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary><c>ActorTrading:Cluster:MembershipPollInterval</c>: how often a member re-reads the membership when no NOTIFY
    /// woke it (the backstop: NOTIFY is never the only copy of a fact). Default 2 s.</summary>
    public TimeSpan MembershipPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>ActorTrading:Cluster:RebalanceAbsoluteLimit</c>: at most this many shards move in one rebalance round
    /// (Akka's <c>rebalance-absolute-limit</c>). Default 20.</summary>
    public int RebalanceAbsoluteLimit { get; init; } = 20;

    /// <summary><c>ActorTrading:Cluster:RebalanceRelativeLimit</c>: at most this fraction of all shards moves in one round
    /// (Akka's <c>rebalance-relative-limit</c>); the smaller of the two limits wins, and at least one shard moves. Default 0.1.</summary>
    public double RebalanceRelativeLimit { get; init; } = 0.1;

    /// <summary>The local deadline after a renewal was sent: <see cref="MemberLeaseTtl"/> − <see cref="LeaseSafetyMargin"/>.</summary>
    public TimeSpan LocalLeaseDeadline => MemberLeaseTtl - LeaseSafetyMargin;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid key and what is wrong with it.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(ClusterId), nameof(ClusterId), "must not be empty");
        Require(HeartbeatInterval > TimeSpan.Zero, nameof(HeartbeatInterval), $"must be positive (was {HeartbeatInterval})");
        Require(LeaseSafetyMargin > TimeSpan.Zero, nameof(LeaseSafetyMargin), $"must be positive (was {LeaseSafetyMargin})");
        Require(MemberLeaseTtl > HeartbeatInterval + LeaseSafetyMargin, nameof(MemberLeaseTtl),
            $"must be longer than HeartbeatInterval + LeaseSafetyMargin ({HeartbeatInterval + LeaseSafetyMargin}), or one late renewal stops the node (was {MemberLeaseTtl})");
        Require(RestartDowningGrace >= MemberLeaseTtl, nameof(RestartDowningGrace),
            $"must be at least MemberLeaseTtl ({MemberLeaseTtl}), or members are downed before they could renew after a database restart (was {RestartDowningGrace})");
        Require(MembershipPollInterval > TimeSpan.Zero, nameof(MembershipPollInterval), $"must be positive (was {MembershipPollInterval})");
        Require(RebalanceAbsoluteLimit >= 1, nameof(RebalanceAbsoluteLimit), $"must be at least 1 (was {RebalanceAbsoluteLimit})");
        Require(RebalanceRelativeLimit is > 0 and <= 1, nameof(RebalanceRelativeLimit), $"must be in (0, 1] (was {RebalanceRelativeLimit})");
    }

    private static void Require(bool valid, string key, string problem)
    {
        if (!valid)
        {
            throw new ArgumentException($"{Section}:{key} {problem}", key);
        }
    }
}
