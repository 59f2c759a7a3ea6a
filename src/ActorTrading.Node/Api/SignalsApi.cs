using System.Diagnostics;
using ActorTrading.ReadModel;

namespace ActorTrading.Node.Api;

/// <summary><c>GET /api/v1/signals/{id}</c>: a signal's broadcast statistics and every subscription's outcome.</summary>
internal static class SignalsApi
{
    /// <summary>A signal's row, its statistics and its outcomes.</summary>
    private sealed record SignalResponse(string SignalId, string BotId, string Ticker, string Action, decimal? AlertPrice, string? AlertId, DateTimeOffset AcceptedAt,
        int Subscribers, DateTimeOffset? FanOutCompletedAt, Dictionary<string, object?> BroadcastStats, List<ExecutionRow> Executions);

    public static void MapSignalsApi(this IEndpointRouteBuilder app, IEndpointFilter admin) =>
        app.MapGet("/api/v1/signals/{id}", GetSignalAsync).AddEndpointFilter(admin).WithName("GetSignal");

    private static async Task<IResult> GetSignalAsync(string id, ReadQueries queries, CancellationToken cancellationToken)
    {
        if (await queries.SignalAsync(id, cancellationToken) is not { } signal)
        {
            return Results.Problem($"signal {id} not found (or not yet projected)", statusCode: StatusCodes.Status404NotFound);
        }

        var executions = await queries.ExecutionsAsync(id, cancellationToken);
        var outcomes = SignalOutcomes.Of(projected: true, signal.Subscribers, executions.Select(execution => execution.Status));
        return Results.Json(new SignalResponse(signal.SignalId, signal.BotId, signal.Ticker, signal.Action, signal.AlertPrice, signal.AlertId, signal.AcceptedAt,
            signal.Subscribers, signal.FanOutCompletedAt, Stats(outcomes, null), executions));
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every subscriber's outcome to reach the read tables.</summary>
    public static async Task<Dictionary<string, object?>> WaitForOutcomesAsync(ReadQueries queries, string signalId, TimeSpan timeout, long started, CancellationToken cancellationToken)
    {
        var subscribers = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var outcomes = await queries.SignalOutcomesAsync(signalId, cancellationToken);
            subscribers = outcomes.Projected ? outcomes.Subscribers : subscribers;
            if ((outcomes.Projected && outcomes.Recorded >= subscribers) || Stopwatch.GetTimestamp() > deadline)
            {
                return Stats(outcomes with { Subscribers = subscribers }, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static Dictionary<string, object?> Stats(SignalOutcomes outcomes, long? durationMs) => new()
    {
        ["total_subscribers"] = outcomes.Subscribers,
        ["successful_executions"] = outcomes.Executed,
        ["failed_executions"] = outcomes.Failed,
        ["skipped_executions"] = outcomes.Skipped,
        ["unknown_executions"] = outcomes.Unknown,
        ["unanswered_executions"] = outcomes.Unanswered,
        ["pending"] = outcomes.Subscribers - outcomes.Recorded,
        ["duration_ms"] = durationMs,
    };
}
