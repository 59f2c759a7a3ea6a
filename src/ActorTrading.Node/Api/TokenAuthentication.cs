namespace ActorTrading.Node.Api;

/// <summary>Who calls: the operator (admin token) or a user (the token <c>POST /api/v1/users</c> gave them).</summary>
internal sealed record Caller(string? UserId)
{
    public bool IsAdmin => UserId is null;

    /// <summary>The owner id recorded on what the caller creates.</summary>
    public string OwnerId => UserId ?? "admin";

    /// <summary>Whether the caller may see and change something owned by <paramref name="ownerId"/>.</summary>
    public bool Owns(string ownerId) => IsAdmin || ownerId == UserId;

    public static Caller Of(HttpContext context) => (Caller)context.Items[typeof(Caller)]!;
}

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c>: the admin token (compared as hashes in constant time) or a user's
/// token (looked up by its hash). <paramref name="adminOnly"/> endpoints refuse users with 403.
/// </summary>
internal sealed class TokenAuthentication(ApiTokens tokens, FailedAttempts attempts, bool adminOnly) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.Ordinal))
        {
            return Results.Problem("missing Authorization: Bearer <token>", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (attempts.Refusal(context.HttpContext, FailedAttempts.Kind.Token) is { } refused)
        {
            return refused;
        }

        var presented = TokenHash.Sha256(header[scheme.Length..].Trim());
        Caller caller;
        if (tokens.IsAdmin(presented))
        {
            caller = new Caller(null);
        }
        else if (await tokens.UserIdAsync(presented, context.HttpContext.RequestAborted) is { } userId)
        {
            if (adminOnly)
            {
                return Results.Problem("this needs the admin token", statusCode: StatusCodes.Status403Forbidden);
            }

            caller = new Caller(userId);
        }
        else
        {
            attempts.Record(context.HttpContext, FailedAttempts.Kind.Token);
            return Results.Problem("unknown token", statusCode: StatusCodes.Status401Unauthorized);
        }

        context.HttpContext.Items[typeof(Caller)] = caller;
        return await next(context);
    }
}
