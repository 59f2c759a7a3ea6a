using System.Threading.Channels;
using ActorTrading.Node.Logging;

namespace ActorTrading.Node.Api;

/// <summary>
/// <c>/api/v1/admin/logs</c> (admin token): the node's latest log lines (<see cref="RecentLogs"/>) at or above a level,
/// and <c>/tail</c>, the new ones as they are logged, as server-sent events (one JSON line per event) until the caller
/// leaves or the node stops. For the CLI's <c>log peek</c> and <c>log tail</c>.
/// </summary>
internal static class LogsApi
{
    /// <summary>The most lines one peek returns.</summary>
    public const int MaxCount = 100_000;

    private static readonly string Levels = "trace, debug, information, warning, error or critical";

    public static void MapLogsApi(this IEndpointRouteBuilder app, IEndpointFilter admin)
    {
        var logs = app.MapGroup("/api/v1/admin/logs").AddEndpointFilter(admin);
        logs.MapGet("/", Peek).WithName("PeekLogs");
        logs.MapGet("/tail", Tail).WithName("TailLogs");
    }

    private static IResult Peek(RecentLogs logs, int? count, string? level)
    {
        var lines = count ?? 100;
        if (lines is < 1 or > MaxCount)
        {
            return Problems.Invalid("count", $"must be between 1 and {MaxCount}, not {lines}");
        }

        return ParseLevel(level) is not { } minimum
            ? Problems.Invalid("level", $"must be {Levels}, not '{level}'")
            : Results.Json(logs.Recent(lines, minimum));
    }

    private static IResult Tail(RecentLogs logs, string? level, HttpContext context, IHostApplicationLifetime lifetime,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        if (ParseLevel(level) is not { } minimum)
        {
            return Problems.Invalid("level", $"must be {Levels}, not '{level}'");
        }

        // Subscribed now, so that every line after the "open" event reaches the caller. Ends when the caller goes or the
        // node stops: a stream left open would hold up the host's shutdown.
        var tail = logs.Subscribe();
        var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.Response.RegisterForDispose(tail);
        context.Response.RegisterForDispose(ended);
        return TypedResults.ServerSentEvents(Events(tail, minimum, json.Value.SerializerOptions, ended.Token));
    }

    // First an "open" event (the stream is live: a caller knows when to expect lines), then a "log" event per line, as
    // the API's JSON (snake_case), the same as a peek's.
    private static async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<string>> Events(LogTail tail, LogLevel minimum, System.Text.Json.JsonSerializerOptions json,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new("{}", "open");
        while (true)
        {
            LogLine line;
            try
            {
                line = await tail.Lines.ReadAsync(cancellationToken);
            }
            catch (Exception ended) when (ended is OperationCanceledException or ChannelClosedException)
            {
                yield break;
            }

            if (line.Level >= minimum)
            {
                yield return new(System.Text.Json.JsonSerializer.Serialize(line, json), "log");
            }
        }
    }

    // The names ILogger's configuration takes, and pbm's short ones.
    private static LogLevel? ParseLevel(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        null or "" => LogLevel.Trace, // everything kept: the logging filters chose what that is
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        _ => null,
    };
}
