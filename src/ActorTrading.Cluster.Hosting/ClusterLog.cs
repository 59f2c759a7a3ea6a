using Microsoft.Extensions.Logging;

namespace ActorTrading.Cluster.Hosting;

/// <summary>What the cluster member logs, with stable event ids (5xxx).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Joined the cluster as incarnation {Incarnation} at {Address} (remoting {RemotingAddress}, roles {Roles})")]
    public static partial void Joined(ILogger logger, long incarnation, string address, ActorTrading.Actors.Address remotingAddress, string roles);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Member lease {State}: {Reason}")]
    public static partial void LeaseChanged(ILogger logger, string state, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Downed incarnation {Incarnation}: its member lease expired")]
    public static partial void DownedExpired(ILogger logger, long incarnation);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Downing expired members failed: {Reason}")]
    public static partial void DowningFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Member {Member}")]
    public static partial void MemberChanged(ILogger logger, Member member);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Shard {TypeName}/{ShardId} granted to {Member} (was {PreviousOwner})")]
    public static partial void ShardGranted(ILogger logger, string typeName, int shardId, Member member, long? previousOwner);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Left the cluster: incarnation {Incarnation} removed")]
    public static partial void Removed(ILogger logger, long incarnation);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "{Address} still has a live incarnation (a previous start of this node?): waiting for its member lease to expire")]
    public static partial void WaitingForPreviousIncarnation(ILogger logger, string address);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Rebalance: moving shard {TypeName}/{ShardId} from incarnation {From} to {To}")]
    public static partial void Rebalancing(ILogger logger, string typeName, int shardId, long from, long to);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "A rebalance round failed: {Reason}; the next one plans again")]
    public static partial void RebalanceFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "An operator asked incarnation {Incarnation} (this node) to leave: stopping gracefully")]
    public static partial void LeaveRequested(ILogger logger, long incarnation);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "An operator {Action} {Member}")]
    public static partial void OperatorChanged(ILogger logger, string action, Member member);
}
