namespace ActorTrading.Node;

/// <summary>The node's own log messages (source generated: no formatting unless the level is on).</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "The paper market's step failed; the next one tries again")]
    public static partial void PaperStepFailed(ILogger logger, Exception cause);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "The paper market's step still fails: {Failures} more failed steps in the last {Interval}; last: {Error}")]
    public static partial void PaperStepStillFailing(ILogger logger, int failures, TimeSpan interval, string error);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "The paper market steps again, after {Failures} failed steps over {Lasted}")]
    public static partial void PaperStepRecovered(ILogger logger, int failures, TimeSpan lasted);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Waking the bots still fanning out after shards moved failed: {Error}; the next membership change tries again")]
    public static partial void WakeSweepFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Critical, Message = "This node was downed by the cluster ({Reason}); it stops with exit code 1, to be started again as a new incarnation")]
    public static partial void Downed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Claiming what older versions left unclaimed timed out at start ({Error}); trying again")]
    public static partial void BackfillRetried(ILogger logger, string error);
}
