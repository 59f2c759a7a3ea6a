using ActorTrading.Domain;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>RFC 7807 problem details for the API's failures: every client error names what is wrong.</summary>
internal static class Problems
{
    public static IResult Invalid(IReadOnlyList<FieldError> errors) => Results.ValidationProblem(
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Problem).ToArray()),
        title: "invalid input: " + string.Join("; ", errors.Select(e => e.ToString())));

    public static IResult Invalid(string field, string problem) => Invalid([new FieldError(field, problem)]);

    /// <summary>409 naming the field whose value another holds.</summary>
    public static IResult Conflict(string field, string problem) => Results.Problem(
        $"{field}: {problem}", statusCode: StatusCodes.Status409Conflict, title: "conflict: " + field,
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [problem] } });

    public static IResult From(BotProtocol.Rejected rejected) => rejected.Kind switch
    {
        RejectionKind.NotFound => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status404NotFound),
        RejectionKind.Unauthorized => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status401Unauthorized),
        RejectionKind.Conflict => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status409Conflict),
        _ => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status400BadRequest),
    };

    /// <summary>How long a client is asked to wait before it retries what the store could not confirm.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>503 with Retry-After: the node could not confirm the operation (the store or an entity did not answer in
    /// time); what was asked may or may not have been done, and a retry is safe where the operation is idempotent.</summary>
    public static IResult Unavailable(string detail) => new RetryLater(Results.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "temporarily unavailable"));

    public static IResult Unexpected(object reply) =>
        Results.Problem($"unexpected reply {reply.GetType().Name}", statusCode: StatusCodes.Status500InternalServerError);

    private sealed class RetryLater(IResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }
}
