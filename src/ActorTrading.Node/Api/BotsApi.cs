using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.ReadModel;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>Bots: create (the master secret is shown once), list, read, change.</summary>
internal static partial class BotsApi
{
    public sealed record CreateBotRequest(string? Name, string? Description, string? MasterWebhookPath, int? DefaultLeverage, decimal? DefaultMarginUsd,
        decimal? DefaultStopLossPct, decimal? DefaultTakeProfitPct, int? SignalTtlSeconds);

    public sealed record UpdateBotRequest(bool? IsActive, string? Description, int? DefaultLeverage, decimal? DefaultMarginUsd,
        decimal? DefaultStopLossPct, decimal? DefaultTakeProfitPct, int? SignalTtlSeconds, bool? RotateSecret);

    /// <summary>The operator creates and changes bots; any caller may read them (a user needs a bot's id to subscribe), a user
    /// with the webhook path left empty (the operator's business: with the secret, it is what sends signals).</summary>
    public static void MapBotsApi(this IEndpointRouteBuilder app, IEndpointFilter admin, IEndpointFilter anyCaller)
    {
        var bots = app.MapGroup("/api/v1/bots");
        bots.MapPost("", CreateAsync).AddEndpointFilter(admin).WithName("CreateBot");
        bots.MapGet("", ListAsync).AddEndpointFilter(anyCaller).WithName("ListBots");
        bots.MapGet("/{id}", GetAsync).AddEndpointFilter(anyCaller).WithName("GetBot");
        bots.MapPatch("/{id}", UpdateAsync).AddEndpointFilter(admin).WithName("UpdateBot");
    }

    private const string WebhookPathField = "master_webhook_path";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,63}$")]
    private static partial Regex PathPattern();

    private static async Task<IResult> CreateAsync(CreateBotRequest request, EntityRegions regions, ClaimRegistry claims, NodeOptions options, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors.Add(new FieldError("name", "is required, at most 100 characters"));
        }

        var path = request.MasterWebhookPath ?? Guid.NewGuid().ToString("N");
        if (!PathPattern().IsMatch(path))
        {
            errors.Add(new FieldError("master_webhook_path", "must be 3-64 characters of a-z, 0-9 and '-', starting with a letter or digit"));
        }

        var defaults = new TradingParameters(request.DefaultLeverage ?? 0, request.DefaultMarginUsd ?? 0, request.DefaultStopLossPct, request.DefaultTakeProfitPct);
        errors.AddRange(EffectiveConfiguration.ValidateDefaults(defaults));
        var ttl = request.SignalTtlSeconds ?? 60;
        if (ttl is < 1 or > 86_400)
        {
            errors.Add(new FieldError("signal_ttl_seconds", "must be between 1 and 86400"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        // The path is claimed before the bot exists: of two creations of one path at the same moment, on any nodes, one gets it.
        var botId = Guid.CreateVersion7().ToString("N");
        if (await claims.ClaimAsync(ClaimKeys.WebhookPath(path), botId, cancellationToken) is not null)
        {
            return Problems.Conflict(WebhookPathField, $"webhook path '{path}' is taken by another bot");
        }

        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var name = (request.Name ?? "").Trim();
        var reply = await regions.Bots.Ask<object>(replyTo => new BotProtocol.CreateBot(botId, name, request.Description ?? "", path,
            BotEntity.HashSecret(secret), defaults, TimeSpan.FromSeconds(ttl), replyTo), options.AskTimeout, cancellationToken);
        if (reply is not BotProtocol.Ok)
        {
            // Freed only when the bot is known not to exist; after a time-out it may, and the path stays its own.
            await claims.ReleaseAsync(ClaimKeys.WebhookPath(path), botId, cancellationToken);
            return reply is BotProtocol.Rejected rejected ? Problems.From(rejected) : Problems.Unexpected(reply);
        }

        return Results.Created($"/api/v1/bots/{botId}", new Dictionary<string, object?>
        {
            ["id"] = botId,
            ["name"] = name,
            ["master_webhook_path"] = path,
            ["master_secret"] = secret,
            ["master_secret_note"] = "shown once: put it in the alert's \"secret\" field",
            ["webhook_url"] = $"/api/v1/bots/webhook/master/{path}",
        });
    }

    private static async Task<IResult> ListAsync(HttpContext http, ReadQueries queries, CancellationToken cancellationToken)
    {
        var bots = await queries.BotsAsync(cancellationToken);
        return Results.Json(Caller.Of(http).IsAdmin ? bots : bots.Select(bot => bot with { MasterWebhookPath = null }));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, EntityRegions regions, NodeOptions options, ReadQueries queries, CancellationToken cancellationToken)
    {
        var admin = Caller.Of(http).IsAdmin;

        // A user's guess of an id that is no bot does not start (and recover) a bot entity for it.
        if (!admin && !await queries.BotExistsAsync(id, cancellationToken))
        {
            return Results.Problem($"bot {id} does not exist", statusCode: StatusCodes.Status404NotFound);
        }

        return await ReadAsync(id, regions, options, cancellationToken, withWebhookPath: admin);
    }

    private static async Task<IResult> ReadAsync(string id, EntityRegions regions, NodeOptions options, CancellationToken cancellationToken, bool withWebhookPath = true)
    {
        var reply = await regions.Bots.Ask<object>(replyTo => new BotProtocol.GetBot(id, replyTo), options.AskTimeout, cancellationToken);
        return reply switch
        {
            BotProtocol.CurrentBot bot => Results.Json(new Dictionary<string, object?>
            {
                ["id"] = bot.BotId,
                ["name"] = bot.Name,
                ["description"] = bot.Description,
                [WebhookPathField] = withWebhookPath ? bot.WebhookPath : null,
                ["default_leverage"] = bot.Defaults.Leverage,
                ["default_margin_usd"] = bot.Defaults.MarginUsd,
                ["default_stop_loss_pct"] = bot.Defaults.StopLossPct,
                ["default_take_profit_pct"] = bot.Defaults.TakeProfitPct,
                ["signal_ttl_seconds"] = (int)bot.SignalTimeToLive.TotalSeconds,
                ["is_active"] = bot.Active,
                ["subscribers"] = bot.Subscribers,
                ["signals_received"] = bot.SignalsReceived,
            }),
            BotProtocol.Rejected rejected => Problems.From(rejected),
            _ => Problems.Unexpected(reply),
        };
    }

    private static async Task<IResult> UpdateAsync(string id, UpdateBotRequest request, EntityRegions regions, NodeOptions options, CancellationToken cancellationToken)
    {
        var current = await regions.Bots.Ask<object>(replyTo => new BotProtocol.GetBot(id, replyTo), options.AskTimeout, cancellationToken);
        if (current is not BotProtocol.CurrentBot bot)
        {
            return current is BotProtocol.Rejected rejected ? Problems.From(rejected) : Problems.Unexpected(current);
        }

        var defaults = new TradingParameters(request.DefaultLeverage ?? bot.Defaults.Leverage, request.DefaultMarginUsd ?? bot.Defaults.MarginUsd,
            request.DefaultStopLossPct ?? bot.Defaults.StopLossPct, request.DefaultTakeProfitPct ?? bot.Defaults.TakeProfitPct);
        var errors = EffectiveConfiguration.ValidateDefaults(defaults).ToList();
        if (request.SignalTtlSeconds is < 1 or > 86_400)
        {
            errors.Add(new FieldError("signal_ttl_seconds", "must be between 1 and 86400"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var commands = new List<Func<IActorRef, object>>();
        if (request.Description is not null || request.DefaultLeverage is not null || request.DefaultMarginUsd is not null || request.DefaultStopLossPct is not null
            || request.DefaultTakeProfitPct is not null || request.SignalTtlSeconds is not null)
        {
            var ttl = request.SignalTtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            commands.Add(replyTo => new BotProtocol.UpdateBot(id, request.Description, defaults, ttl, replyTo));
        }

        if (request.IsActive is { } active)
        {
            commands.Add(active ? replyTo => new BotProtocol.ResumeBot(id, replyTo) : replyTo => new BotProtocol.PauseBot(id, replyTo));
        }

        string? secret = null;
        if (request.RotateSecret == true)
        {
            secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var hash = BotEntity.HashSecret(secret);
            commands.Add(replyTo => new BotProtocol.RotateSecret(id, hash, replyTo));
        }

        foreach (var command in commands)
        {
            var reply = await regions.Bots.Ask<object>(command, options.AskTimeout, cancellationToken);
            if (reply is BotProtocol.Rejected rejected)
            {
                return Problems.From(rejected);
            }
        }

        var updated = await ReadAsync(id, regions, options, cancellationToken);
        return secret is null ? updated : Results.Json(new Dictionary<string, object?> { ["id"] = id, ["master_secret"] = secret, ["master_secret_note"] = "shown once" });
    }
}
