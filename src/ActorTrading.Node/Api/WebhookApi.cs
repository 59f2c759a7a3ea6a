using System.Diagnostics;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.ReadModel;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>
/// <c>POST /api/v1/bots/webhook/master/{path}</c>: where TradingView (or any HTTP client) posts alerts.
/// The body is JSON, sent as <c>application/json</c> or as <c>text/plain</c> (TradingView's choice when the
/// alert message is not strict JSON). The answer is 202 once the signal is durable; the fan-out goes on.
/// </summary>
internal static class WebhookApi
{
    private const string IdempotencyKey = "Idempotency-Key";

    public static void MapWebhookApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/bots/webhook/master/{path}", ReceiveAlertAsync).WithName("ReceiveAlert");

    private static async Task<IResult> ReceiveAlertAsync(string path, HttpRequest request, WebhookPaths paths, EntityRegions regions, ReadQueries queries, NodeOptions options, FailedAttempts attempts, CancellationToken cancellationToken)
    {
        if ((attempts.Refusal(request.HttpContext, FailedAttempts.Kind.WebhookPath) ?? attempts.Refusal(request.HttpContext, FailedAttempts.Kind.WebhookSecret, path)) is { } refused)
        {
            return refused;
        }

        var limit = options.MaxWebhookBodyBytes;
        if (request.ContentLength > limit)
        {
            return Results.Problem($"body is larger than {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        string text;
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(limit + 1);
        try
        {
            using var reader = new StreamReader(request.Body);
            var read = await reader.ReadBlockAsync(buffer.AsMemory(0, limit + 1), cancellationToken);
            if (read > limit)
            {
                return Results.Problem($"body is larger than {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            text = new string(buffer, 0, read);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }

        var (alert, errors) = AlertParser.Parse(text);
        if (alert is null)
        {
            return Problems.Invalid(errors);
        }

        // A sender whose body has no alert id can still retry safely: its Idempotency-Key stands in for one.
        if (alert.Signal.AlertId is null && request.Headers.TryGetValue(IdempotencyKey, out var key))
        {
            if (key.ToString() is not { Length: > 0 and <= 128 } keyText)
            {
                return Problems.Invalid(IdempotencyKey, "must be 1-128 characters");
            }

            alert = alert with { Signal = alert.Signal with { AlertId = keyText } };
        }

        if (await paths.BotIdAsync(path, cancellationToken) is not { } botId)
        {
            attempts.Record(request.HttpContext, FailedAttempts.Kind.WebhookPath);
            return Results.Problem($"no bot listens on webhook path '{path}'", statusCode: StatusCodes.Status404NotFound);
        }

        // Read by hand: bound as an int, "?wait=abc" would get a bare 400 that names nothing.
        int? wait = null;
        if (request.Query.TryGetValue("wait", out var waitText))
        {
            if (!int.TryParse(waitText.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) || ms > options.MaxWebhookWaitMs)
            {
                return Problems.Invalid("wait", $"must be a whole number of milliseconds between 0 and {options.MaxWebhookWaitMs}, got '{waitText}'");
            }

            wait = ms;
        }

        var started = Stopwatch.GetTimestamp();
        object reply;
        try
        {
            reply = await regions.Bots.Ask<object>(replyTo => new BotProtocol.AcceptSignal(botId, alert.Secret, alert.Signal, replyTo), TimeSpan.FromSeconds(2.5), cancellationToken);
        }
        catch (Exception error) when (UnavailableHandler.IsOutage(error))
        {
            // Not known to be durable, nor known not to be: the write may still complete. A retry with the same alert id (or
            // Idempotency-Key) is answered with that signal if it was stored, and trades once.
            return Problems.Unavailable("the signal was not confirmed durable in time; it may or may not have been stored. Retry with the same "
                + "alert_id (or Idempotency-Key header): a signal that was stored is answered as a duplicate and traded once");
        }

        if (reply is BotProtocol.Rejected rejected)
        {
            if (rejected.Kind == RejectionKind.Unauthorized)
            {
                attempts.Record(request.HttpContext, FailedAttempts.Kind.WebhookSecret, path);
            }

            return Problems.From(rejected);
        }

        if (reply is not BotProtocol.SignalAcceptedReply accepted)
        {
            return Problems.Unexpected(reply);
        }

        paths.Served(path, botId);

        var body = new Dictionary<string, object?>
        {
            ["success"] = true,
            ["bot_name"] = accepted.BotName,
            ["signal_id"] = accepted.SignalId,
            ["subscribers"] = accepted.Subscribers,
            ["duplicate"] = accepted.Duplicate,
            ["timestamp"] = accepted.AcceptedAt,
        };
        if (wait is > 0)
        {
            body["broadcast_stats"] = await SignalsApi.WaitForOutcomesAsync(queries, accepted.SignalId, TimeSpan.FromMilliseconds(wait.Value), started, cancellationToken);
        }

        return Results.Json(body, statusCode: StatusCodes.Status202Accepted);
    }
}
