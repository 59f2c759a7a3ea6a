using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Postgres;

namespace ActorTrading.Cluster.Postgres;

/// <summary>The shard is held by another live member (or this member is not up): its entities must not run here.</summary>
public sealed class ShardLeaseRefusedException(string shardType, int shardId, long incarnation)
    : WriterLeaseRefusedException($"shard {shardType}/{shardId} is not granted to incarnation {incarnation}: another live member holds it, or this member is not up with an unexpired lease")
{
    /// <summary>The entity type.</summary>
    public string ShardType { get; } = shardType;

    /// <summary>The shard.</summary>
    public int ShardId { get; } = shardId;
}

/// <summary>
/// The kernel's <see cref="IWriterLeaseSource"/> for a clustered node: the lease a shard writes under is the one this member's
/// acquisition won in <c>shard_lease</c> (its granted epoch), so the journal's fence refuses its writes once the shard moved.
/// </summary>
public sealed class ClusterWriterLeaseSource(PostgresShardLeaseStore leases, long incarnation) : IWriterLeaseSource
{
    private readonly PostgresShardLeaseStore _leases = leases ?? throw new ArgumentNullException(nameof(leases));

    /// <summary>This member's incarnation.</summary>
    public long Incarnation { get; } = incarnation;

    /// <inheritdoc/>
    /// <exception cref="ShardLeaseRefusedException">Another live member holds the shard, or this member is not up.</exception>
    public async ValueTask<WriterLease> AcquireAsync(string shardType, int shardId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _leases.TryAcquireAsync(shardType, shardId, Incarnation, cancellationToken)
                   ?? throw new ShardLeaseRefusedException(shardType, shardId, Incarnation);
        }
        catch (Exception exception) when (PostgresErrors.Classify(exception) is JournalException classified && classified != exception)
        {
            throw classified;
        }
    }
}
