using System.Collections.Concurrent;

namespace ActorTrading.Actors.Sharding;

/// <summary>
/// Starts and finds shard regions, one per entity type, under <c>/system/sharding/{type}</c>. Regions
/// hand their shards off in the coordinated shutdown phase <see cref="CoordinatedShutdown.PhaseClusterShardingShutdownRegion"/>.
/// </summary>
public sealed class ClusterSharding
{
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, IActorRef> _regions = new(StringComparer.Ordinal);
    private readonly Lazy<LocalActorRef> _guardian;
    private Func<string, IShardAllocator>? _defaultAllocator;

    private ClusterSharding(ActorSystem system)
    {
        _system = system;
        _guardian = new Lazy<LocalActorRef>(() => (LocalActorRef)system.SystemActorOf(Props.Create(() => new ActorSystem.GuardianActor()), "sharding"));
    }

    /// <summary>The started regions.</summary>
    public IReadOnlyCollection<IActorRef> Regions => [.. _regions.Values];

    /// <summary>The entity types of the started regions.</summary>
    public IReadOnlyCollection<string> TypeNames => [.. _regions.Keys];

    /// <summary>Makes the allocator of every region started after this without one of its own (the cluster's, by type
    /// name); call it before the first <see cref="Start"/>.</summary>
    public void UseAllocator(Func<string, IShardAllocator> allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        lock (_regions)
        {
            if (!_regions.IsEmpty)
            {
                throw new InvalidOperationException($"regions are already started ({string.Join(", ", _regions.Keys)}); set the allocator before the first one");
            }

            _defaultAllocator = allocator;
        }
    }

    /// <summary>The system's sharding.</summary>
    public static ClusterSharding Get(ActorSystem system) => system.GetExtension(static s => new ClusterSharding(s));

    /// <summary>
    /// Starts the region of <paramref name="typeName"/>. <paramref name="entityProps"/> makes an entity's props
    /// from its id (wrap entities in a <see cref="BackoffSupervisor"/> whose final stop message is
    /// <paramref name="handOffStopMessage"/>, so that passivation and hand-off stop them for good). <paramref name="allocator"/>
    /// says where each shard lives; default the one <see cref="UseAllocator"/> makes, else <see cref="LocalShardAllocator"/> (here).
    /// </summary>
    public IActorRef Start(string typeName, Func<string, Props> entityProps, ClusterShardingSettings settings, IMessageExtractor extractor, object? handOffStopMessage = null, IShardAllocator? allocator = null)
    {
        ActorNames.Validate(typeName);
        settings.Validate();
        lock (_regions)
        {
            if (_regions.ContainsKey(typeName))
            {
                throw new InvalidOperationException($"a shard region for '{typeName}' is already started");
            }

            var stop = handOffStopMessage ?? PoisonPill.Instance;
            var shardAllocator = allocator ?? _defaultAllocator?.Invoke(typeName) ?? new LocalShardAllocator(_system.Address);
            var region = _guardian.Value.Cell.ActorOf(
                Props.Create(() => new ShardRegion(typeName, entityProps, settings, extractor, stop, shardAllocator)), typeName);
            _regions[typeName] = region;
            CoordinatedShutdown.Get(_system).AddTask(
                CoordinatedShutdown.PhaseClusterShardingShutdownRegion,
                $"hand off shards of {typeName}",
                async cancellation => await region.GracefulStop(settings.HandOffTimeout, GracefulShutdown.Instance).WaitAsync(cancellation));
            return region;
        }
    }

    /// <summary>The started region of <paramref name="typeName"/>.</summary>
    public IActorRef ShardRegion(string typeName) =>
        _regions.TryGetValue(typeName, out var region)
            ? region
            : throw new InvalidOperationException($"no shard region for '{typeName}' has been started; started: [{string.Join(", ", _regions.Keys)}]");
}
