using System.Text.Json;
using ActorTrading.Domain;
using Microsoft.AspNetCore.Diagnostics;

namespace ActorTrading.Node.Api;

/// <summary>
/// A request the framework could not read (a body that is not JSON, not UTF-8, empty, of the wrong media type, too large;
/// a field of the wrong type) is the caller's mistake: a 4xx problem details naming the field (the JSON path of the
/// first bad value, or <c>body</c>), never a 500.
/// </summary>
internal sealed class BadRequestHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, json) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.InnerException as JsonException),
            JsonException parse => (StatusCodes.Status400BadRequest, parse),
            // System.Text.Json checks a string's UTF-8 only when it is read: a body bound as a JsonElement fails later.
            InvalidOperationException { InnerException: System.Text.DecoderFallbackException } => (StatusCodes.Status400BadRequest, null),
            _ => (0, null),
        };
        if (status is < 400 or >= 500)
        {
            return false;
        }

        var field = json?.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        var problem = status switch
        {
            StatusCodes.Status415UnsupportedMediaType => "must be sent as application/json",
            StatusCodes.Status413PayloadTooLarge => "is too large",
            _ when json is not null && field != "body" => $"has the wrong type or form: {json.Message}",
            _ when json is not null => $"is not a JSON value this call takes: {json.Message}",
            _ when exception is InvalidOperationException => "is not valid UTF-8",
            _ => exception.Message,
        };
        await (status == StatusCodes.Status400BadRequest
            ? Problems.Invalid([new FieldError(field, problem)])
            : Results.Problem($"{field}: {problem}", statusCode: status)).ExecuteAsync(httpContext);
        return true;
    }
}
