using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorTrading.Actors.Sharding;

/// <summary>
/// The sharding meter: the mailbox depth (messages waiting at the shard and its entities) of the busiest shards, each
/// measured by its shard every <see cref="ClusterShardingSettings.MailboxMeasureInterval"/>. Only the busiest are reported, so the series stay few with
/// any number of shards.
/// </summary>
public static class ShardingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorTrading.Actors";

    /// <summary>How many shards the gauge reports: the ones with the deepest mailboxes.</summary>
    public const int BusiestShards = 10;

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<object, (string Type, string Shard, int Depth)> Depths = new(ReferenceEqualityComparer.Instance);

    static ShardingMetrics() =>
        Meter.CreateObservableGauge("actortrading.shard.mailbox.depth", ObserveBusiest, "{message}",
            $"Messages waiting at a shard and its entities, for the {BusiestShards} busiest shards");

    internal static void Measured(object shard, string type, string shardId, int depth) => Depths[shard] = (type, shardId, depth);

    internal static void Stopped(object shard) => Depths.TryRemove(shard, out _);

    private static IEnumerable<Measurement<int>> ObserveBusiest() =>
        Depths.Values.Where(d => d.Depth > 0).OrderByDescending(d => d.Depth).Take(BusiestShards).Select(d =>
            new Measurement<int>(d.Depth, new KeyValuePair<string, object?>("type", d.Type), new KeyValuePair<string, object?>("shard", d.Shard)));
}
