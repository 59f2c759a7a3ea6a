namespace ActorTrading.Actors.Event;

/// <summary>What to log of one failure of a repeated operation (see <see cref="OutageLog"/>).</summary>
public enum OutageReport
{
    /// <summary>The first failure since the operation last worked: log it in full, with its exception.</summary>
    First,

    /// <summary>A summary is due: log one line with the count of failures since the last line.</summary>
    Summary,

    /// <summary>Counted only.</summary>
    Quiet,
}

/// <summary>
/// Keeps a loop that retries every second (a projection, the paper market) from writing a stack trace every second while
/// its store is down: the first failure is logged in full, then one line per <see cref="Interval"/> with a count, and one
/// when it works again. Safe to call from any thread.
/// </summary>
public sealed class OutageLog(TimeProvider time, TimeSpan? interval = null)
{
    private readonly object _gate = new();
    private DateTimeOffset? _since;
    private DateTimeOffset _lastLine;
    private int _total;
    private int _sinceLastLine;

    /// <summary>How often a continuing outage is logged. Default 1 minute.</summary>
    public TimeSpan Interval { get; } = interval ?? TimeSpan.FromMinutes(1);

    /// <summary>Records a failure and says what to log of it; for a <see cref="OutageReport.Summary"/>, how many failures
    /// there were since the last line (this one included).</summary>
    public (OutageReport Report, int Failures) Failed()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _total++;
            if (_since is null)
            {
                (_since, _lastLine, _sinceLastLine) = (now, now, 0);
                return (OutageReport.First, 1);
            }

            _sinceLastLine++;
            if (now - _lastLine < Interval)
            {
                return (OutageReport.Quiet, _sinceLastLine);
            }

            var failures = _sinceLastLine;
            (_lastLine, _sinceLastLine) = (now, 0);
            return (OutageReport.Summary, failures);
        }
    }

    /// <summary>Records a success; when it ends an outage, how many failures it had and how long it lasted (log one line).</summary>
    public (int Failures, TimeSpan Lasted)? Succeeded()
    {
        lock (_gate)
        {
            if (_since is not { } since)
            {
                return null;
            }

            var ended = (_total, time.GetUtcNow() - since);
            (_since, _total, _sinceLastLine) = (null, 0, 0);
            return ended;
        }
    }
}
