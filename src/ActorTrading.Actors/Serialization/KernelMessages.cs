using System.Text.Json.Serialization;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Actors.Serialization;

/// <summary>The stable names of the kernel's messages that cross nodes (sharding).</summary>
public static class KernelMessages
{
    /// <summary>Registers the kernel's messages on <paramref name="builder"/>.</summary>
    public static MessageSerializer.Builder Register(MessageSerializer.Builder builder) => builder
        .WithResolver(KernelJsonContext.Default)
        .Add<ShardingEnvelope>("sharding.envelope", 1)
        .Add<StartEntity>("sharding.start-entity", 1)
        .Add<StartEntityAck>("sharding.start-entity-ack", 1)
        .Add<GetShardRegionState>("sharding.get-region-state", 1)
        .Add<ShardState>("sharding.shard-state", 1)
        .Add<CurrentShardRegionState>("sharding.current-region-state", 1)
        .Add<GetEntityLocation>("sharding.get-entity-location", 1)
        .Add<EntityLocation>("sharding.entity-location", 1)
        .Add<HandOff>("sharding.hand-off", 1)
        .Add<ShardStopped>("sharding.shard-stopped", 1)
        .Add<GracefulShutdown>("sharding.graceful-shutdown", 1);
}

/// <summary>Source-generated JSON for the kernel's messages.</summary>
[JsonSerializable(typeof(StartEntity))]
[JsonSerializable(typeof(StartEntityAck))]
[JsonSerializable(typeof(GetShardRegionState))]
[JsonSerializable(typeof(ShardState))]
[JsonSerializable(typeof(CurrentShardRegionState))]
[JsonSerializable(typeof(GetEntityLocation))]
[JsonSerializable(typeof(EntityLocation))]
[JsonSerializable(typeof(HandOff))]
[JsonSerializable(typeof(ShardStopped))]
[JsonSerializable(typeof(GracefulShutdown))]
internal sealed partial class KernelJsonContext : JsonSerializerContext;
