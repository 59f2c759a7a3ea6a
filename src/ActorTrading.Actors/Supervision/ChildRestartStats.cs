namespace ActorTrading.Actors;

/// <summary>How often a child has been restarted inside the strategy's time window.</summary>
internal sealed class ChildRestartStats(LocalActorRef child)
{
    private long _windowStartTicks;

    public LocalActorRef Child { get; } = child;

    public int RestartCount { get; private set; }

    /// <summary>Counts one more restart and says whether the budget allows it (Akka's semantics:
    /// a negative max with a window means one retry per window; no window means a lifetime budget).</summary>
    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan? withinTimeRange, TimeProvider time)
    {
        if (maxNrOfRetries < 0 && withinTimeRange is null)
        {
            return true;
        }

        if (withinTimeRange is null)
        {
            RestartCount++;
            return RestartCount <= maxNrOfRetries;
        }

        var retries = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var now = time.GetTimestamp();
        if (RestartCount == 0 || time.GetElapsedTime(_windowStartTicks, now) > withinTimeRange.Value)
        {
            _windowStartTicks = now;
            RestartCount = 1;
        }
        else
        {
            RestartCount++;
        }

        return RestartCount <= retries;
    }
}
