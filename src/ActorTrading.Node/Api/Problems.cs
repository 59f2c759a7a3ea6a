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

    public static IResult From(BotProtocol.Rejected rejected) => rejected.Kind switch
    {
        RejectionKind.NotFound => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status404NotFound),
        RejectionKind.Unauthorized => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status401Unauthorized),
        RejectionKind.Conflict => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status409Conflict),
        _ => Results.Problem(rejected.Reason, statusCode: StatusCodes.Status400BadRequest),
    };

    public static IResult Unexpected(object reply) =>
        Results.Problem($"unexpected reply {reply.GetType().Name}", statusCode: StatusCodes.Status500InternalServerError);
}
