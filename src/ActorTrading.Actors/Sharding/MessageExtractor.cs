using System.Text;

namespace ActorTrading.Actors.Sharding;

/// <summary>Reads, from a message sent to a shard region, which entity it is for and which shard that entity lives in.</summary>
public interface IMessageExtractor
{
    /// <summary>The entity the message is for; null when the message is not for an entity (it becomes a dead letter).</summary>
    string? EntityId(object message);

    /// <summary>What the entity receives (for example the payload of an envelope).</summary>
    object EntityMessage(object message);

    /// <summary>The shard of the message's entity; must be a pure function of the entity id (the same as
    /// <see cref="ShardId(string)"/> of it). Must understand <see cref="StartEntity"/> and <see cref="GetEntityLocation"/>.</summary>
    string ShardId(object message);

    /// <summary>The shard of <paramref name="entityId"/>: how a region places an entity it is asked to start or locate
    /// without a message for it.</summary>
    string ShardId(string entityId);
}

/// <summary>A message addressed to an entity by id, for messages that carry no id of their own.</summary>
public sealed record ShardingEnvelope(string EntityId, object Message);

/// <summary>
/// Shards entities by a stable hash of their id: FNV-1a over the id's UTF-8 bytes, modulo the number of
/// shards. Never <c>string.GetHashCode</c>, which .NET randomizes per process, so two nodes (or two runs)
/// would disagree about where an entity lives.
/// </summary>
public abstract class HashCodeMessageExtractor : IMessageExtractor
{
    /// <summary>Creates an extractor for <paramref name="maxNumberOfShards"/> shards (fixed for the life of the data:
    /// changing it moves entities between shards).</summary>
    protected HashCodeMessageExtractor(int maxNumberOfShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNumberOfShards, 1);
        MaxNumberOfShards = maxNumberOfShards;
    }

    /// <summary>The number of shards.</summary>
    public int MaxNumberOfShards { get; }

    /// <inheritdoc/>
    public abstract string? EntityId(object message);

    /// <inheritdoc/>
    public virtual object EntityMessage(object message) => message is ShardingEnvelope envelope ? envelope.Message : message;

    /// <inheritdoc/>
    public virtual string ShardId(object message) => message switch
    {
        // Akka's rule: the kernel's own entity messages are understood whatever the subclass extracts.
        StartEntity start => ShardId(start.EntityId),
        GetEntityLocation location => ShardId(location.EntityId),
        _ => EntityId(message) is { } entityId
            ? ShardId(entityId)
            : throw new ArgumentException($"message {message.GetType().Name} names no entity", nameof(message)),
    };

    /// <inheritdoc/>
    public virtual string ShardId(string entityId) => ShardIdOf(entityId, MaxNumberOfShards);

    /// <summary>The shard of <paramref name="entityId"/> among <paramref name="maxNumberOfShards"/>.</summary>
    public static string ShardIdOf(string entityId, int maxNumberOfShards) =>
        (StableHash(entityId) % (uint)maxNumberOfShards).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>32-bit FNV-1a of the UTF-8 bytes: stable across processes, platforms and versions.</summary>
    public static uint StableHash(string value)
    {
        const uint offsetBasis = 2166136261;
        const uint prime = 16777619;
        var hash = offsetBasis;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(value) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(value, buffer)] : Encoding.UTF8.GetBytes(value);
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * prime);
        }

        return hash;
    }
}

/// <summary>The extractor for regions addressed only with <see cref="ShardingEnvelope"/>.</summary>
public sealed class EnvelopeMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    /// <inheritdoc/>
    public override string? EntityId(object message) => (message as ShardingEnvelope)?.EntityId;
}
