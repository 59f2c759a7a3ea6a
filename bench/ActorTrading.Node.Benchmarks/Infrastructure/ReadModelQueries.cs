using System.Data.Common;
using System.Globalization;

namespace ActorTrading.Node.Benchmarks;

/// <summary>One signal's outcomes as the read tables show them.</summary>
/// <param name="Executions">Rows in <c>bot_signal_executions</c>.</param>
/// <param name="Executed">Of which <c>executed</c>.</param>
/// <param name="Skipped">Of which <c>skipped</c>.</param>
/// <param name="Failed">Of which <c>failed</c>.</param>
/// <param name="FirstCompletedAt">Earliest <c>completed_at</c> (the subscription's clock when it stored its outcome).</param>
/// <param name="LastCompletedAt">Latest <c>completed_at</c>.</param>
/// <param name="FanOutCompletedAt"><c>bot_signals.fan_out_completed_at</c>: when the bot had every receipt (its <c>FanOutCompleted</c>).</param>
/// <param name="ElapsedMs"><c>elapsed_ms</c> of every row: from the subscription's <c>SignalReceived</c> to its outcome.</param>
/// <param name="Reasons">The most frequent reasons of skipped or failed rows.</param>
public sealed record SignalOutcome(int Executions, int Executed, int Skipped, int Failed, DateTimeOffset? FirstCompletedAt, DateTimeOffset? LastCompletedAt,
    DateTimeOffset? FanOutCompletedAt, Percentiles ElapsedMs, IReadOnlyList<string> Reasons)
{
    public string Statuses => $"{Executed:N0} executed, {Skipped:N0} skipped, {Failed:N0} failed";
}

/// <summary>Queries of the read tables and the journal, through <see cref="NodeRuntime.OpenReadModelAsync"/> (SQLite and PostgreSQL alike).</summary>
public static class ReadModelQueries
{
    public static async Task<long> ScalarAsync(NodeRuntime runtime, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        await using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static Task<long> ExecutionsAsync(NodeRuntime runtime, string signalId) =>
        ScalarAsync(runtime, "SELECT COUNT(*) FROM bot_signal_executions WHERE signal_id = @id", ("id", signalId));

    public static Task<long> AllExecutionsAsync(NodeRuntime runtime) =>
        ScalarAsync(runtime, "SELECT COUNT(*) FROM bot_signal_executions");

    public static Task<long> JournalEventsAsync(NodeRuntime runtime) =>
        ScalarAsync(runtime, "SELECT COUNT(*) FROM event_journal");

    public static Task<long> JournalHeadAsync(NodeRuntime runtime) =>
        ScalarAsync(runtime, "SELECT COALESCE(MAX(ordering), 0) FROM event_journal");

    /// <summary>Rows of <c>bot_signal_executions</c> by status, over every signal.</summary>
    public static async Task<string> StatusCountsAsync(NodeRuntime runtime)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        await using var command = Command(connection, "SELECT status, COUNT(*) FROM bot_signal_executions GROUP BY status ORDER BY status", []);
        await using var reader = await command.ExecuteReaderAsync();
        var parts = new List<string>();
        while (await reader.ReadAsync())
        {
            parts.Add($"{Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture):N0} {reader.GetString(0)}");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>The most frequent reasons of rows that are not <c>executed</c>, over every signal.</summary>
    public static async Task<IReadOnlyList<string>> TopReasonsAsync(NodeRuntime runtime)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        await using var command = Command(connection,
            "SELECT reason, COUNT(*) AS n FROM bot_signal_executions WHERE status <> 'executed' GROUP BY reason ORDER BY n DESC LIMIT 3", []);
        await using var reader = await command.ExecuteReaderAsync();
        var reasons = new List<string>();
        while (await reader.ReadAsync())
        {
            reasons.Add($"{Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture):N0} x {(reader.IsDBNull(0) ? "(none)" : reader.GetString(0))}");
        }

        return reasons;
    }

    /// <summary>Status and reason of each subscription's row of one signal.</summary>
    public static async Task<IReadOnlyDictionary<string, (string Status, string? Reason)>> ExecutionRowsAsync(NodeRuntime runtime, string signalId)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        await using var command = Command(connection, "SELECT subscription_id, status, reason FROM bot_signal_executions WHERE signal_id = @id", ("id", signalId));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (string Status, string? Reason)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return rows;
    }

    public static async Task<DateTimeOffset?> FanOutCompletedAtAsync(NodeRuntime runtime, string signalId)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        await using var command = Command(connection, "SELECT fan_out_completed_at FROM bot_signals WHERE signal_id = @id", ("id", signalId));
        return Time(await command.ExecuteScalarAsync());
    }

    public static async Task<SignalOutcome> OutcomeAsync(NodeRuntime runtime, string signalId)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var elapsed = new List<double>();
        DateTimeOffset? first = null;
        DateTimeOffset? last = null;
        await using (var command = Command(connection, "SELECT status, reason, elapsed_ms, completed_at FROM bot_signal_executions WHERE signal_id = @id", ("id", signalId)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var status = reader.GetString(0);
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (status != "executed" && !reader.IsDBNull(1))
                {
                    var reason = reader.GetString(1);
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }

                elapsed.Add(Convert.ToDouble(reader.GetValue(2), CultureInfo.InvariantCulture));
                var at = Time(reader.GetValue(3))!.Value;
                first = first is null || at < first ? at : first;
                last = last is null || at > last ? at : last;
            }
        }

        return new SignalOutcome(elapsed.Count, statuses.GetValueOrDefault("executed"), statuses.GetValueOrDefault("skipped"), statuses.GetValueOrDefault("failed"),
            first, last, await FanOutCompletedAtAsync(runtime, signalId), Percentiles.Of(elapsed),
            [.. reasons.OrderByDescending(r => r.Value).Take(3).Select(r => $"{r.Value:N0} x {r.Key}")]);
    }

    /// <summary>
    /// How many events of <paramref name="manifest"/> the journal took in each <paramref name="bucketMs"/> window after
    /// <paramref name="from"/>, among those after <paramref name="afterOrdering"/>: when the entities' writes happened.
    /// </summary>
    public static async Task<IReadOnlyList<long>> JournalTimelineAsync(NodeRuntime runtime, bool postgres, string manifest, long afterOrdering, DateTimeOffset from, int bucketMs)
    {
        await using var connection = await runtime.OpenReadModelAsync(CancellationToken.None);
        var milliseconds = postgres ? "(extract(epoch FROM created_at) * 1000)::bigint" : "created_at"; // SQLite keeps unix milliseconds
        await using var command = Command(connection, $"""
            SELECT ({milliseconds} - @from) / @bucket AS b, COUNT(*) FROM event_journal
             WHERE ordering > @after AND manifest = @manifest GROUP BY b ORDER BY b
            """, ("from", from.ToUnixTimeMilliseconds()), ("bucket", bucketMs), ("after", afterOrdering), ("manifest", manifest));
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new List<long>();
        while (await reader.ReadAsync())
        {
            var bucket = Math.Max(0, Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
            while (counts.Count <= bucket)
            {
                counts.Add(0);
            }

            counts[bucket] += Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>SQLite keeps times as text, PostgreSQL as timestamptz.</summary>
    private static DateTimeOffset? Time(object? value) => value switch
    {
        null or DBNull => null,
        DateTimeOffset offset => offset,
        DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"unexpected time {value.GetType().Name}"),
    };

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
