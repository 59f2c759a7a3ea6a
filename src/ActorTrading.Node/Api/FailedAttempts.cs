using System.Globalization;
using System.Threading.RateLimiting;

namespace ActorTrading.Node.Api;

/// <summary>
/// Brute-force protection: each wrong credential (a webhook secret, an API token, an unknown webhook path) takes a permit
/// from a fixed window per client and kind (and webhook path, for secrets). A client whose window is spent is answered 429
/// before its credential is even looked at, so guessing goes no faster than the window allows, while a sender that gets
/// its credentials right is never limited. The client is the connection's remote address: behind a reverse proxy, the
/// operator configures forwarded headers, or every caller counts as the proxy.
/// </summary>
internal sealed partial class FailedAttempts : IDisposable
{
    private readonly PartitionedRateLimiter<string> _windows;
    private readonly int _limit;
    private readonly TimeSpan _window;
    private readonly ILogger<FailedAttempts> _log;

    public FailedAttempts(NodeOptions options, ILogger<FailedAttempts> log)
    {
        (_limit, _window, _log) = (options.FailedAttemptLimit, options.FailedAttemptWindow, log);
        // Not replenished by a timer of its own: the partitioned limiter replenishes its partitions and drops idle ones.
        _windows = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = _limit, Window = _window, QueueLimit = 0, AutoReplenishment = false }));
    }

    /// <summary>What was wrong, for the key and the warning.</summary>
    public enum Kind
    {
        /// <summary>A wrong secret for one webhook path.</summary>
        WebhookSecret,

        /// <summary>A webhook path no bot listens on (probing for paths).</summary>
        WebhookPath,

        /// <summary>An unknown API token.</summary>
        Token,
    }

    /// <summary>A 429 when <paramref name="context"/>'s client has spent its window of wrong attempts of <paramref name="kind"/>; else null.</summary>
    public IResult? Refusal(HttpContext context, Kind kind, string? path = null)
    {
        if (_windows.GetStatistics(Key(context, kind, path)) is not { CurrentAvailablePermits: 0 })
        {
            return null;
        }

        var retryAfter = ((int)Math.Ceiling(_window.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.RetryAfter = retryAfter;
        return Results.Problem($"too many wrong attempts ({Describe(kind)}) from this client; retry after {retryAfter} s",
            statusCode: StatusCodes.Status429TooManyRequests, title: "too many wrong attempts");
    }

    /// <summary>Counts a wrong attempt; the one that spends the window is logged as a warning with the count.</summary>
    public void Record(HttpContext context, Kind kind, string? path = null)
    {
        var key = Key(context, kind, path);
        using var lease = _windows.AttemptAcquire(key);
        if (lease.IsAcquired && _windows.GetStatistics(key) is { CurrentAvailablePermits: 0 })
        {
            LogLockedOut(_log, _limit, Describe(kind), path ?? "-", Client(context), _window);
        }
    }

    public void Dispose() => _windows.Dispose();

    private static string Key(HttpContext context, Kind kind, string? path) => $"{kind}|{Client(context)}|{path}";

    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string Describe(Kind kind) => kind switch
    {
        Kind.WebhookSecret => "wrong webhook secrets",
        Kind.WebhookPath => "unknown webhook paths",
        _ => "unknown API tokens",
    };

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "{Count} {What} (webhook path {Path}) from {Client} within {Window}: its further attempts are answered 429 until the window ends")]
    private static partial void LogLockedOut(ILogger logger, int count, string what, string path, string client, TimeSpan window);
}
