using Microsoft.Extensions.Logging;

namespace ActorTrading.Remote;

/// <summary>What remoting logs (category <c>ActorTrading.Remote</c>, event ids 4100-4199). Never secrets or proofs.</summary>
internal static partial class RemoteLog
{
    [LoggerMessage(4100, LogLevel.Information, "Remoting listens on {LocalAddress} (uid {Uid})")]
    public static partial void Listening(ILogger logger, string localAddress, long uid);

    [LoggerMessage(4101, LogLevel.Information, "Association to {RemoteAddress} is up (peer uid {PeerUid})")]
    public static partial void Associated(ILogger logger, string remoteAddress, long peerUid);

    [LoggerMessage(4102, LogLevel.Warning, "Association to {RemoteAddress} failed, dialling again in {BackoffMs} ms: {Reason}")]
    public static partial void AssociationFailed(ILogger logger, string remoteAddress, long backoffMs, string reason);

    [LoggerMessage(4103, LogLevel.Warning, "Inbound connection from {Endpoint} rejected: {Reason}")]
    public static partial void InboundRejected(ILogger logger, string endpoint, string reason);

    [LoggerMessage(4104, LogLevel.Information, "Inbound association from {RemoteAddress} (uid {PeerUid}) at {Endpoint}")]
    public static partial void InboundAccepted(ILogger logger, string remoteAddress, long peerUid, string endpoint);

    [LoggerMessage(4105, LogLevel.Information, "Inbound association from {RemoteAddress} closed: {Reason}")]
    public static partial void InboundClosed(ILogger logger, string remoteAddress, string reason);

    [LoggerMessage(4106, LogLevel.Warning, "Outbound queue to {RemoteAddress} is full ({Limit} messages, OutboundQueueLimit): further messages are dead letters until it drains")]
    public static partial void QueueFull(ILogger logger, string remoteAddress, int limit);

    [LoggerMessage(4107, LogLevel.Error, "Message {MessageType} to {Recipient} cannot be sent: {Reason}")]
    public static partial void CannotSend(ILogger logger, string messageType, string recipient, string reason);

    [LoggerMessage(4108, LogLevel.Warning, "Frame from {RemoteAddress} dropped: {Reason}")]
    public static partial void FrameDropped(ILogger logger, string remoteAddress, string reason);

    [LoggerMessage(4109, LogLevel.Information, "Peer {RemoteAddress} restarted: uid {OldUid} is now {NewUid}")]
    public static partial void PeerRestarted(ILogger logger, string remoteAddress, long oldUid, long newUid);

    [LoggerMessage(4110, LogLevel.Information, "Address {RemoteAddress} terminated: {Watches} watches told, {Dropped} queued messages are dead letters")]
    public static partial void AddressTerminated(ILogger logger, string remoteAddress, int watches, int dropped);
}
