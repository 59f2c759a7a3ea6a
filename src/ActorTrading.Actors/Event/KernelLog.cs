using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>Everything the kernel itself logs, with stable event ids (1xxx).</summary>
internal static partial class KernelLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Actor {ActorPath} failed; supervisor directive {Directive}")]
    public static partial void ActorFailed(ILogger logger, string actorPath, Directive directive, Exception cause);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Actor {ActorPath} failed while stopping; the failure is ignored")]
    public static partial void FailureWhileStopping(ILogger logger, string actorPath, Exception cause);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "PreRestart of {ActorPath} threw; the restart goes on")]
    public static partial void PreRestartFailed(ILogger logger, string actorPath, Exception cause);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "PostStop of {ActorPath} threw")]
    public static partial void PostStopFailed(ILogger logger, string actorPath, Exception cause);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Dead letter {MessageType} from {Sender} to {Recipient} (dead letters so far: {Count})")]
    public static partial void DeadLetter(ILogger logger, Type messageType, ActorPath? sender, ActorPath recipient, long count);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "The root guardian failed; the actor system stops")]
    public static partial void GuardianFailed(ILogger logger, Exception cause);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Coordinated shutdown task {Task} in phase {Phase} failed or timed out")]
    public static partial void ShutdownTaskFailed(ILogger logger, string task, string phase, Exception? cause);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Actor system {System} shutting down: {Reason}")]
    public static partial void ShutdownStarted(ILogger logger, string system, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Backoff supervisor {ActorPath}: child stopped, restarting in {DelayMs} ms (attempt {Attempt})")]
    public static partial void BackoffRestart(ILogger logger, string actorPath, long delayMs, int attempt);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Backoff supervisor {ActorPath}: child failed {Attempts} times; giving up")]
    public static partial void BackoffGaveUp(ILogger logger, string actorPath, int attempts);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Shard region {TypeName}: shard {ShardId} has no home ({Address}); {Count} messages become dead letters")]
    public static partial void ShardNotAllocatedHere(ILogger logger, string typeName, string shardId, string address, int count, Exception? cause);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Shard region {TypeName}: shard {ShardId} lost its lease (refused or fenced); stopping it here")]
    public static partial void ShardLeaseLost(ILogger logger, string typeName, string shardId);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Shard region {TypeName}: stopping its {Count} shards: {Reason}")]
    public static partial void StoppingShards(ILogger logger, string typeName, int count, string reason);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "Shard region {TypeName}: giving back the lease of shard {ShardId} failed; it expires with this member")]
    public static partial void ShardReleaseFailed(ILogger logger, string typeName, string shardId, Exception cause);
}
