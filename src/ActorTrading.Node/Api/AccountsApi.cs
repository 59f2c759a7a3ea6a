using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using ActorTrading.ReadModel;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>Exchange accounts: the API secret is write-only (encrypted at rest, never returned). A user sees and uses only their own.</summary>
internal static class AccountsApi
{
    public sealed record CreateAccountRequest(string? Exchange, bool? Testnet, string? ApiKey, string? SecretKey);

    public static void MapAccountsApi(this IEndpointRouteBuilder app, IEndpointFilter caller)
    {
        var accounts = app.MapGroup("/api/v1/exchange-accounts").AddEndpointFilter(caller);
        accounts.MapPost("", CreateAsync).WithName("CreateExchangeAccount");
        accounts.MapGet("", async (HttpContext http, ReadQueries queries, CancellationToken token) =>
        {
            var me = Caller.Of(http);
            return Results.Json(await queries.ExchangeAccountsAsync(me.IsAdmin ? null : me.OwnerId, token));
        }).WithName("ListExchangeAccounts");
        // Another user's account is as absent as one that does not exist.
        accounts.MapGet("/{id}", async (string id, HttpContext http, ReadQueries queries, CancellationToken token) =>
            await queries.ExchangeAccountAsync(id, token) is { } account && (Caller.Of(http).IsAdmin || account.OwnerId == Caller.Of(http).OwnerId)
                ? Results.Json(account)
                : Results.Problem($"no exchange account '{id}'", statusCode: StatusCodes.Status404NotFound)).WithName("GetExchangeAccount");
    }

    private static async Task<IResult> CreateAsync(CreateAccountRequest request, HttpContext http, EntityRegions regions, NodeOptions options,
        Cluster.ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        // By name only: Enum.TryParse also takes numbers ("2") and flag lists ("Paper,Binance"), each some venue.
        ExchangeName? parsed = request.Exchange?.Trim().ToLowerInvariant() switch
        {
            "paper" => ExchangeName.Paper,
            "binance" => ExchangeName.Binance,
            "bybit" => ExchangeName.Bybit,
            _ => null,
        };
        if (parsed is not { } exchange)
        {
            errors.Add(new FieldError("exchange", $"must be paper, binance or bybit, got '{request.Exchange}'"));
            exchange = default;
        }
        else if (exchange == ExchangeName.Paper && cluster.Enabled)
        {
            // The paper exchange is one per process: members would each keep, and write, their own copy of its accounts.
            errors.Add(new FieldError("exchange", "paper accounts need a single node: this node is a cluster member (use binance or bybit)"));
        }

        if (string.IsNullOrWhiteSpace(request.ApiKey) || request.ApiKey.Length > 256)
        {
            errors.Add(new FieldError("api_key", "is required, at most 256 characters"));
        }

        if (string.IsNullOrWhiteSpace(request.SecretKey) || request.SecretKey.Length > 512)
        {
            errors.Add(new FieldError("secret_key", "is required, at most 512 characters"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var accountId = Guid.CreateVersion7().ToString("N");
        var reply = await regions.Accounts.Ask<object>(replyTo => new AccountProtocol.RegisterAccount(accountId, Caller.Of(http).OwnerId, exchange, request.Testnet ?? false, request.ApiKey!, request.SecretKey!, replyTo),
            options.AskTimeout, cancellationToken);
        return reply switch
        {
            AccountProtocol.Ok => Results.Created($"/api/v1/exchange-accounts/{accountId}", new Dictionary<string, object?>
            {
                ["id"] = accountId,
                ["exchange"] = exchange.ToString().ToLowerInvariant(),
                ["testnet"] = request.Testnet ?? false,
                ["api_key"] = request.ApiKey,
            }),
            BotProtocol.Rejected rejected => Problems.From(rejected),
            _ => Problems.Unexpected(reply),
        };
    }
}
