namespace ActorTrading.Actors.Sharding;

/// <summary>Settings of a shard region. Every key, its default and why.</summary>
public sealed record ClusterShardingSettings
{
    /// <summary>An entity that received nothing for this long is passivated (stopped; restarted by its next message).
    /// Null never passivates. Default 2 minutes, Akka's: idle entities cost memory, recovering one costs a replay.</summary>
    public TimeSpan? PassivateIdleEntityAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages held per entity while it passivates; beyond this they are dead letters. Default 10,000.</summary>
    public int BufferSize { get; init; } = 10_000;

    /// <summary>How long a hand-off may take before the region gives up waiting for a shard. Default 60 s.</summary>
    public TimeSpan HandOffTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a shard measures the mailbox depth of itself and its entities for the busiest-shards metric
    /// (<see cref="ShardingMetrics"/>). Default 5 s: a sum over its entities, cheap at that rate.</summary>
    public TimeSpan MailboxMeasureInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (PassivateIdleEntityAfter is { } idle && idle <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PassivateIdleEntityAfter), idle, "PassivateIdleEntityAfter must be positive or null");
        }

        if (BufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, "BufferSize must not be negative");
        }

        if (MailboxMeasureInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MailboxMeasureInterval), MailboxMeasureInterval, "MailboxMeasureInterval must be positive");
        }

        if (HandOffTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandOffTimeout), HandOffTimeout, "HandOffTimeout must be positive");
        }
    }
}
