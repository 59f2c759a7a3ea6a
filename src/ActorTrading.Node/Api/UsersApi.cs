using System.Security.Cryptography;
using ActorTrading.Actors;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary><c>/api/v1/users</c> (admin): create a user and its API token (shown once); list users and read one (never a
/// token or its hash).</summary>
internal static class UsersApi
{
    public sealed record CreateUserRequest(string? Name);

    public static void MapUsersApi(this IEndpointRouteBuilder app, IEndpointFilter admin)
    {
        var users = app.MapGroup("/api/v1/users").AddEndpointFilter(admin);
        users.MapPost("", CreateAsync).WithName("CreateUser");
        users.MapGet("", async (ReadModel.ReadQueries queries, CancellationToken token) => Results.Json(await queries.UsersAsync(token))).WithName("ListUsers");
        users.MapGet("/{id}", async (string id, ReadModel.ReadQueries queries, CancellationToken token) =>
            await queries.UserAsync(id, token) is { } user
                ? Results.Json(user)
                : Results.Problem($"no user '{id}'", statusCode: StatusCodes.Status404NotFound)).WithName("GetUser");
    }

    private static async Task<IResult> CreateAsync(CreateUserRequest request, EntityRegions regions, ClaimRegistry claims, NodeOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Problems.Invalid("name", "is required, at most 100 characters");
        }

        var userId = Guid.CreateVersion7().ToString("N");
        var token = "at_user_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var tokenSha256 = TokenHash.Sha256(token);
        // The token is claimed first: once the user exists, every node finds its token at once. A fresh random token is never
        // taken; a claim left by a creation that then failed names a user that does not exist, and authenticates no one.
        if (await claims.ClaimAsync(ClaimKeys.UserToken(tokenSha256), userId, cancellationToken) is { } taken)
        {
            return Problems.Unexpected(taken);
        }

        var reply = await regions.Users.Ask<object>(replyTo => new UserProtocol.CreateUser(userId, request.Name.Trim(), tokenSha256, replyTo), options.AskTimeout, cancellationToken);
        if (reply is not UserProtocol.Ok)
        {
            return reply is BotProtocol.Rejected rejected ? Problems.From(rejected) : Problems.Unexpected(reply);
        }

        return Results.Created($"/api/v1/users/{userId}", new Dictionary<string, object?>
        {
            ["id"] = userId,
            ["name"] = request.Name.Trim(),
            ["api_token"] = token,
            ["api_token_note"] = "shown once: send it as Authorization: Bearer <api_token>",
        });
    }
}
