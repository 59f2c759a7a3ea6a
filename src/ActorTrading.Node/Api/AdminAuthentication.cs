using System.Security.Cryptography;
using System.Text;

namespace ActorTrading.Node.Api;

/// <summary>The admin API needs <c>Authorization: Bearer &lt;admin token&gt;</c>; tokens are compared as hashes in constant time.</summary>
internal sealed class AdminAuthentication(NodeRuntime runtime) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.Ordinal))
        {
            return Results.Problem("missing Authorization: Bearer <token>", statusCode: StatusCodes.Status401Unauthorized);
        }

        var presented = Encoding.ASCII.GetBytes(NodeRuntime.Sha256(header[scheme.Length..].Trim()));
        var expected = Encoding.ASCII.GetBytes(runtime.AdminTokenSha256);
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            return Results.Problem("wrong token", statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }
}
