using ActorTrading.Persistence.Postgres;
using Npgsql;

namespace ActorTrading.Cluster.Postgres;

/// <summary>The cluster's tables live in the one schema the PostgreSQL stores migrate (<c>PostgresSchema</c>, migration 3).</summary>
public static class ClusterSchema
{
    /// <summary>Creates or migrates the schema (idempotent; safe when several nodes start at once).</summary>
    public static Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        PostgresSchema.MigrateAsync(dataSource, cancellationToken);

    /// <summary>The channel every membership change is announced on (the payload is the cluster id).</summary>
    public const string MembershipChannel = "cluster_membership";

    /// <summary>The channel every change of a shard lease's hands is announced on (payload <c>type/shard</c>).</summary>
    public const string ShardLeaseChannel = "shard_lease";
}
