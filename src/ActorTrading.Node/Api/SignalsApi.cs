using System.Diagnostics;
using ActorTrading.Trading.ReadModel;

namespace ActorTrading.Node.Api;

/// <summary><c>GET /api/v1/signals/{id}</c>: a signal's broadcast statistics and every subscription's outcome.</summary>
internal static class SignalsApi
{
    public static void MapSignalsApi(this IEndpointRouteBuilder app, IEndpointFilter admin) =>
        app.MapGet("/api/v1/signals/{id}", GetSignalAsync).AddEndpointFilter(admin).WithName("GetSignal");

    private static async Task<IResult> GetSignalAsync(string id, NodeRuntime runtime, CancellationToken cancellationToken)
    {
        var signals = await ReadTables.QueryAsync(runtime, "SELECT * FROM bot_signals WHERE signal_id = @id", cancellationToken, ("id", id));
        if (signals.Count == 0)
        {
            return Results.Problem($"signal {id} not found (or not yet projected)", statusCode: StatusCodes.Status404NotFound);
        }

        var executions = await ReadTables.QueryAsync(runtime, "SELECT * FROM bot_signal_executions WHERE signal_id = @id ORDER BY completed_at", cancellationToken, ("id", id));
        var signal = signals[0];
        signal["broadcast_stats"] = Stats(Convert.ToInt32(signal["subscribers"], System.Globalization.CultureInfo.InvariantCulture), executions, null);
        signal["executions"] = executions;
        return Results.Json(signal);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every subscriber's outcome to reach the read tables.</summary>
    public static async Task<Dictionary<string, object?>> WaitForOutcomesAsync(NodeRuntime runtime, string signalId, TimeSpan timeout, long started, CancellationToken cancellationToken)
    {
        var subscribers = 0;
        List<Dictionary<string, object?>> executions = [];
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var signal = await ReadTables.QueryAsync(runtime, "SELECT subscribers FROM bot_signals WHERE signal_id = @id", cancellationToken, ("id", signalId));
            subscribers = signal.Count == 0 ? subscribers : Convert.ToInt32(signal[0]["subscribers"], System.Globalization.CultureInfo.InvariantCulture);
            executions = await ReadTables.QueryAsync(runtime, "SELECT status FROM bot_signal_executions WHERE signal_id = @id", cancellationToken, ("id", signalId));
            if ((signal.Count > 0 && executions.Count >= subscribers) || Stopwatch.GetTimestamp() > deadline)
            {
                return Stats(subscribers, executions, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static Dictionary<string, object?> Stats(int subscribers, List<Dictionary<string, object?>> executions, long? durationMs) => new()
    {
        ["total_subscribers"] = subscribers,
        ["successful_executions"] = executions.Count(e => e["status"] as string == "executed"),
        ["failed_executions"] = executions.Count(e => e["status"] as string == "failed"),
        ["skipped_executions"] = executions.Count(e => e["status"] as string == "skipped"),
        ["unknown_executions"] = executions.Count(e => e["status"] as string == TradingReadModel.Unknown),
        ["unanswered_executions"] = executions.Count(e => e["status"] as string == TradingReadModel.Unanswered),
        ["pending"] = subscribers - executions.Count,
        ["duration_ms"] = durationMs,
    };
}
