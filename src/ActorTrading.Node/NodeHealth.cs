using ActorTrading.Actors;
using ActorTrading.Cluster.Hosting;
using ActorTrading.Persistence.Hosting;
using ActorTrading.Persistence.Projections;

namespace ActorTrading.Node;

/// <summary>What the health endpoints report: the trading read model's projection, the store, the dead letters, and in a
/// cluster whether this node is an up member holding its lease.</summary>
public sealed class NodeHealth(ProjectionRunner readModel, DurableStores stores, ActorSystem system, ClusterMember? cluster = null)
{
    /// <summary>Why this node is not ready as a cluster member (not up, its lease lost, leaving); null when it is, or
    /// when it runs alone.</summary>
    public string? ClusterProblem => cluster switch
    {
        null => null,
        { IsUp: true } => null,
        { Incarnation: 0 } => "not joined the cluster yet",
        var member => $"not an up member holding its lease (lease {member.LeaseState.ToString().ToLowerInvariant()})",
    };

    /// <summary>The read model projection's last failure, until a batch succeeds; null when it is healthy.</summary>
    public string? ProjectionError => readModel.Status.LastError;

    /// <summary>The kind of store, <c>sqlite</c> or <c>postgresql</c>: what an unauthenticated caller may learn of it.</summary>
    public string StoreKind => stores.Kind;

    /// <summary>How many journal events the read model has still to apply.</summary>
    public long ReadModelLagEvents => readModel.Status.Head.Ordering - readModel.Status.Offset.Ordering;

    /// <summary>Messages sent to actors that were not there, since start.</summary>
    public long DeadLetters => system.DeadLetterCount;
}
