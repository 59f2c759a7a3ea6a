namespace ActorTrading.Actors.Persistence;

/// <summary>
/// The lease an entity writes under: the shard it lives in, the node incarnation that owns the shard, and the shard
/// lease's epoch (a fencing token that grows on every change of hands). Every journal write carries one; a store that
/// fences (PostgreSQL) refuses a write whose lease is no longer the shard's current one (<see cref="JournalFencedException"/>).
/// </summary>
/// <param name="ShardType">The entity type (the shard region's type name).</param>
/// <param name="ShardId">The shard.</param>
/// <param name="Incarnation">The node incarnation that holds the shard.</param>
/// <param name="Epoch">The lease's epoch when it was granted to that incarnation.</param>
public sealed record WriterLease(string ShardType, int ShardId, long Incarnation, long Epoch)
{
    /// <summary>No lease: a persistent actor that lives under no shard (and a write made straight to a journal, as
    /// tools and tests do). Stored with empty shard columns and not fenced; the cluster gives its singletons a lease of
    /// their own before it relies on the fence for them.</summary>
    public static WriterLease None { get; } = new("", -1, 0, 0);

    /// <summary>Whether this is <see cref="None"/>.</summary>
    public bool IsNone => ShardType.Length == 0;

    /// <summary>The number of a shard whose id is not a number: a stable hash of it, so every node agrees.</summary>
    public static int ShardNumber(string shardId) =>
        int.TryParse(shardId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : (int)(Sharding.HashCodeMessageExtractor.StableHash(shardId) & int.MaxValue);

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "no lease" : $"{ShardType}/{ShardId} incarnation {Incarnation} epoch {Epoch}";
}

/// <summary>
/// Grants the leases shards write under. On one node the node grants them to itself (<see cref="LocalWriterLeaseSource"/>,
/// or a store's own that also records them where its fence checks them); the cluster's source hands out the lease its
/// shard allocation won.
/// </summary>
public interface IWriterLeaseSource
{
    /// <summary>The lease shard <paramref name="shardId"/> of <paramref name="shardType"/> writes under, granted to this
    /// node when it did not hold it yet. A failure (the store unreachable) fails the write that asked; the next one asks again.</summary>
    ValueTask<WriterLease> AcquireAsync(string shardType, int shardId, CancellationToken cancellationToken = default);
}

/// <summary>Leases for a store that does not fence: this process's incarnation (its start, in Unix milliseconds) and epoch 1.</summary>
public sealed class LocalWriterLeaseSource : IWriterLeaseSource
{
    /// <summary>A source whose incarnation is <paramref name="incarnation"/> (default: now, in Unix milliseconds).</summary>
    public LocalWriterLeaseSource(long? incarnation = null) => Incarnation = incarnation ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>This node's incarnation.</summary>
    public long Incarnation { get; }

    /// <inheritdoc/>
    public ValueTask<WriterLease> AcquireAsync(string shardType, int shardId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new WriterLease(shardType, shardId, Incarnation, 1));
}

/// <summary>The lease source will not grant this node the shard (another live node holds it, or this node may not host
/// shards now): the shard must stop here, so that its messages go where it lives.</summary>
public class WriterLeaseRefusedException(string message, Exception? inner = null) : JournalException(message, inner)
{
    /// <summary>The holder may die or hand it off: asked again later, it may be granted.</summary>
    public override bool IsTransient => true;
}

/// <summary>One shard's lease as its entities read it before each write: asked of the source once, and asked again after a
/// failure. A refusal, or a write the store fenced, tells the shard through <paramref name="lost"/> that it may not run here.</summary>
internal sealed class ShardWriterLease(IWriterLeaseSource source, string shardType, int shardId, Action lost)
{
    private Task<WriterLease>? _lease;

    /// <summary>The lease; completed at once after the first grant.</summary>
    public Task<WriterLease> Current
    {
        get
        {
            var lease = Volatile.Read(ref _lease);
            if (lease is null || lease.IsFaulted || lease.IsCanceled)
            {
                var asked = source.AcquireAsync(shardType, shardId).AsTask();
                if (Interlocked.CompareExchange(ref _lease, asked, lease) == lease)
                {
                    asked.ContinueWith(
                        static (task, state) =>
                        {
                            if (task.Exception?.InnerException is WriterLeaseRefusedException)
                            {
                                (state as Action)?.Invoke();
                            }
                        },
                        lost, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    lease = asked;
                }
                else
                {
                    lease = Volatile.Read(ref _lease) ?? asked;
                }
            }

            return lease;
        }
    }

    /// <summary>The store fenced a write under this shard's lease: the shard has moved, and must stop here.</summary>
    public void Fenced() => lost();
}
