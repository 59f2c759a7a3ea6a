using System.Threading.Channels;

namespace ActorTrading.Node.Logging;

/// <summary>A reader of the lines logged after <see cref="RecentLogs.Subscribe"/>: disposed, it is told no more.</summary>
internal sealed class LogTail(ChannelReader<LogLine> lines, Action unsubscribe) : IDisposable
{
    private int _disposed;

    /// <summary>The new lines; the oldest unread are dropped past <see cref="RecentLogs.TailBuffer"/>.</summary>
    public ChannelReader<LogLine> Lines => lines;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            unsubscribe();
        }
    }
}
