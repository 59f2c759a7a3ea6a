using System.Collections.Immutable;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace ActorTrading.Node.Logging;

/// <summary>One log line as the node kept it; <see cref="Sequence"/> grows by one per line, so a gap shows what a slow
/// reader of <see cref="RecentLogs.Subscribe"/> missed.</summary>
internal sealed record LogLine(long Sequence, DateTimeOffset Timestamp, LogLevel Level, string Category, int EventId, string Message, string? Exception);

/// <summary>
/// The node's latest log lines, in memory: a logger provider beside the console's (so the logging filters apply to it as
/// to the console: Information up, ASP.NET from Warning), keeping the last <c>capacity</c> lines for the CLI's
/// <c>log peek</c> and handing new ones to <c>log tail</c>'s readers. Nothing is written to disk. Token and password shapes
/// are masked before a line is kept (see <see cref="Redact"/>): the node's own lines carry none, but an exception's text
/// (a connection string a driver quotes) might, and these lines leave the node.
/// </summary>
internal sealed partial class RecentLogs : ILoggerProvider
{
    /// <summary>How many lines a tail reader may fall behind before its oldest unread ones are dropped: a slow terminal never
    /// holds up logging.</summary>
    public const int TailBuffer = 1000;

    private readonly Lock _lock = new();
    private readonly LogLine[] _ring;
    private readonly TimeProvider _time;
    private long _next;
    private ImmutableArray<Channel<LogLine>> _readers = [];

    public RecentLogs(int capacity, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new LogLine[capacity];
        _time = time ?? TimeProvider.System;
    }

    public int Capacity => _ring.Length;

    public ILogger CreateLogger(string categoryName) => new RingLogger(this, categoryName);

    /// <summary>The latest <paramref name="count"/> lines at or above <paramref name="minimum"/>, oldest first.</summary>
    public IReadOnlyList<LogLine> Recent(int count, LogLevel minimum)
    {
        lock (_lock)
        {
            var kept = (int)Math.Min(_next, _ring.Length);
            var lines = new List<LogLine>(Math.Min(count, kept));
            for (var sequence = _next - 1; sequence >= _next - kept && lines.Count < count; sequence--)
            {
                var line = _ring[sequence % _ring.Length];
                if (line.Level >= minimum)
                {
                    lines.Add(line);
                }
            }

            lines.Reverse();
            return lines;
        }
    }

    /// <summary>The lines logged from now on (from this call, not from the first read), until the tail is disposed.</summary>
    public LogTail Subscribe()
    {
        var reader = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(TailBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_lock)
        {
            _readers = _readers.Add(reader);
        }

        return new LogTail(reader.Reader, () =>
        {
            lock (_lock)
            {
                _readers = _readers.Remove(reader);
            }
        });
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var reader in _readers)
            {
                reader.Writer.TryComplete();
            }
        }
    }

    /// <summary>Masks what looks like a secret: the node's token shapes (<c>at_admin_…</c>, <c>at_user_…</c>), a bearer
    /// token, and the value of a <c>password</c>, <c>secret</c> or <c>token</c> assignment (<c>Password=…;</c>,
    /// <c>"secret":"…"</c>).</summary>
    public static string Redact(string text) =>
        Assignment().Replace(Bearer().Replace(Token().Replace(text, "at_$1_[redacted]"), "Bearer [redacted]"), "$1$2[redacted]");

    private void Add(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var text = Redact(message);
        var error = exception is null ? null : Redact(exception.ToString());
        ImmutableArray<Channel<LogLine>> readers;
        LogLine line;
        lock (_lock)
        {
            line = new LogLine(_next, _time.GetUtcNow(), level, category, eventId.Id, text, error);
            _ring[_next % _ring.Length] = line;
            _next++;
            readers = _readers;
        }

        foreach (var reader in readers)
        {
            reader.Writer.TryWrite(line);
        }
    }

    [GeneratedRegex(@"\bat_(admin|user)_[0-9A-Za-z]+")]
    private static partial Regex Token();

    [GeneratedRegex(@"\bBearer\s+[^\s""',;]+", RegexOptions.IgnoreCase)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\b(\w*(?:password|pwd|secret|token)\w*""?\s*[=:]\s*)(""?)[^\s""',;&]+", RegexOptions.IgnoreCase)]
    private static partial Regex Assignment();

    private sealed class RingLogger(RecentLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Add(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}
