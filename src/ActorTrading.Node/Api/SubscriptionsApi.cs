using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>Subscriptions of exchange accounts to bots, with optional overrides and risk limits. A user sees and
/// changes only their own (someone else's answers 404, so existence does not leak).</summary>
internal static class SubscriptionsApi
{
    public sealed record CreateSubscriptionRequest(string? BotId, string? ExchangeAccountId, int? CustomLeverage, decimal? CustomMarginUsd,
        decimal? CustomStopLossPct, decimal? CustomTakeProfitPct, decimal? MaxDailyLossUsd, int? MaxConcurrentPositions);

    public sealed record UpdateSubscriptionRequest(bool? IsActive, int? CustomLeverage, decimal? CustomMarginUsd, decimal? CustomStopLossPct,
        decimal? CustomTakeProfitPct, decimal? MaxDailyLossUsd, int? MaxConcurrentPositions);

    public static void MapSubscriptionsApi(this IEndpointRouteBuilder app, IEndpointFilter caller)
    {
        var subscriptions = app.MapGroup("/api/v1/bot-subscriptions").AddEndpointFilter(caller);
        subscriptions.MapPost("", CreateAsync).WithName("CreateSubscription");
        subscriptions.MapGet("", async (HttpContext http, NodeRuntime runtime, CancellationToken token) =>
        {
            var me = Caller.Of(http);
            var rows = await ReadTables.QueryAsync(runtime, "SELECT * FROM bot_subscriptions ORDER BY created_at", token);
            return Results.Json(rows.Where(row => me.Owns((string)row["owner_id"]!)));
        }).WithName("ListSubscriptions");
        subscriptions.MapGet("/{id}", async (string id, HttpContext http, NodeRuntime runtime, CancellationToken token) =>
            await OwnedAsync(id, http, runtime, token) is { } current ? Results.Json(Json(current)) : NotFound(id)).WithName("GetSubscription");
        subscriptions.MapPatch("/{id}", UpdateAsync).WithName("UpdateSubscription");
        subscriptions.MapDelete("/{id}", CancelAsync).WithName("CancelSubscription");
    }

    private static IResult NotFound(string id) => Results.Problem($"subscription {id} does not exist", statusCode: StatusCodes.Status404NotFound);

    /// <summary>The subscription, if it exists and the caller owns it.</summary>
    private static async Task<SubscriptionProtocol.CurrentSubscription?> OwnedAsync(string id, HttpContext http, NodeRuntime runtime, CancellationToken cancellationToken) =>
        await runtime.Regions.Subscriptions.Ask<object>(new SubscriptionProtocol.GetSubscription(id), TimeSpan.FromSeconds(10), cancellationToken) is SubscriptionProtocol.CurrentSubscription current
            && Caller.Of(http).Owns(current.OwnerId)
            ? current
            : null;

    /// <summary>One subscription as the entity has it now, in the fields of <c>POST</c> and of the list (the read table's columns).</summary>
    private static Dictionary<string, object?> Json(SubscriptionProtocol.CurrentSubscription subscription) => new()
    {
        ["id"] = subscription.SubscriptionId,
        ["owner_id"] = subscription.OwnerId,
        ["bot_id"] = subscription.BotId,
        ["exchange_account_id"] = subscription.AccountId,
        ["status"] = subscription.Status.ToString().ToLowerInvariant(),
        ["custom_leverage"] = subscription.Overrides.Leverage,
        ["custom_margin_usd"] = subscription.Overrides.MarginUsd,
        ["custom_stop_loss_pct"] = subscription.Overrides.StopLossPct,
        ["custom_take_profit_pct"] = subscription.Overrides.TakeProfitPct,
        ["max_daily_loss_usd"] = subscription.Limits.MaxDailyLossUsd,
        ["max_concurrent_positions"] = subscription.Limits.MaxConcurrentPositions,
        ["signals_received"] = subscription.Statistics.SignalsReceived,
        ["orders_executed"] = subscription.Statistics.OrdersExecuted,
        ["orders_failed"] = subscription.Statistics.Failed,
        ["orders_skipped"] = subscription.Statistics.Skipped,
        ["last_signal_at"] = subscription.Statistics.LastSignalAt,
    };

    private static (ParameterOverrides, RiskLimits, List<FieldError>) Validate(int? leverage, decimal? margin, decimal? stopLoss, decimal? takeProfit, decimal? maxLoss, int? maxPositions)
    {
        var overrides = new ParameterOverrides(leverage, margin, stopLoss, takeProfit);
        var errors = EffectiveConfiguration.ValidateOverrides(overrides).ToList();
        if (maxLoss is <= 0)
        {
            errors.Add(new FieldError("max_daily_loss_usd", $"must be greater than 0, got {maxLoss}"));
        }

        if (maxPositions is <= 0)
        {
            errors.Add(new FieldError("max_concurrent_positions", $"must be at least 1, got {maxPositions}"));
        }

        return (overrides, new RiskLimits(maxLoss, maxPositions), errors);
    }

    private static async Task<IResult> CreateAsync(CreateSubscriptionRequest request, HttpContext http, NodeRuntime runtime, CancellationToken cancellationToken)
    {
        var (overrides, limits, errors) = Validate(request.CustomLeverage, request.CustomMarginUsd, request.CustomStopLossPct, request.CustomTakeProfitPct,
            request.MaxDailyLossUsd, request.MaxConcurrentPositions);
        if (string.IsNullOrWhiteSpace(request.BotId))
        {
            errors.Add(new FieldError("bot_id", "is required"));
        }

        if (string.IsNullOrWhiteSpace(request.ExchangeAccountId))
        {
            errors.Add(new FieldError("exchange_account_id", "is required"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var timeout = TimeSpan.FromSeconds(10);
        if (await runtime.Regions.Bots.Ask<object>(new BotProtocol.GetBot(request.BotId!), timeout, cancellationToken) is not BotProtocol.CurrentBot)
        {
            return Problems.Invalid("bot_id", $"bot {request.BotId} does not exist");
        }

        if (await runtime.Accounts.Ask<object>(new AccountProtocol.GetAccount(request.ExchangeAccountId!), timeout, cancellationToken) is not AccountProtocol.CurrentAccount { Deleted: false } account
            || !Caller.Of(http).Owns(account.OwnerId))
        {
            return Problems.Invalid("exchange_account_id", $"exchange account {request.ExchangeAccountId} does not exist");
        }

        var subscriptionId = Guid.CreateVersion7().ToString("N");
        var created = await runtime.Regions.Subscriptions.Ask<object>(new SubscriptionProtocol.CreateSubscription(subscriptionId, account.OwnerId, request.BotId!,
            account.AccountId, account.Exchange, overrides, limits), timeout, cancellationToken);
        if (created is BotProtocol.Rejected rejected)
        {
            return Problems.From(rejected);
        }

        // The subscription exists before the bot fans out to it; if this step fails the call can be repeated.
        var added = await runtime.Regions.Bots.Ask<object>(new BotProtocol.AddSubscriber(request.BotId!, subscriptionId), timeout, cancellationToken);
        return added is BotProtocol.Rejected notAdded
            ? Problems.From(notAdded)
            : Results.Json(new Dictionary<string, object?> { ["id"] = subscriptionId, ["bot_id"] = request.BotId, ["exchange_account_id"] = account.AccountId, ["status"] = "active" },
                statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, UpdateSubscriptionRequest request, HttpContext http, NodeRuntime runtime, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(10);
        if (await OwnedAsync(id, http, runtime, cancellationToken) is not { } current)
        {
            return NotFound(id);
        }

        var (overrides, limits, errors) = Validate(request.CustomLeverage ?? current.Overrides.Leverage, request.CustomMarginUsd ?? current.Overrides.MarginUsd,
            request.CustomStopLossPct ?? current.Overrides.StopLossPct, request.CustomTakeProfitPct ?? current.Overrides.TakeProfitPct,
            request.MaxDailyLossUsd ?? current.Limits.MaxDailyLossUsd, request.MaxConcurrentPositions ?? current.Limits.MaxConcurrentPositions);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var commands = new List<object> { new SubscriptionProtocol.UpdateSubscription(id, overrides, limits) };
        if (request.IsActive is { } active)
        {
            commands.Add(active ? new SubscriptionProtocol.ResumeSubscription(id) : new SubscriptionProtocol.PauseSubscription(id));
        }

        foreach (var command in commands)
        {
            if (await runtime.Regions.Subscriptions.Ask<object>(command, timeout, cancellationToken) is BotProtocol.Rejected rejected)
            {
                return Problems.From(rejected);
            }
        }

        return await runtime.Regions.Subscriptions.Ask<object>(new SubscriptionProtocol.GetSubscription(id), timeout, cancellationToken) switch
        {
            SubscriptionProtocol.CurrentSubscription updated => Results.Json(Json(updated)),
            BotProtocol.Rejected rejected => Problems.From(rejected),
            var reply => Problems.Unexpected(reply),
        };
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, NodeRuntime runtime, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(10);
        if (await OwnedAsync(id, http, runtime, cancellationToken) is not { } current)
        {
            return NotFound(id);
        }

        await runtime.Regions.Bots.Ask<object>(new BotProtocol.RemoveSubscriber(current.BotId, id), timeout, cancellationToken);
        var reply = await runtime.Regions.Subscriptions.Ask<object>(new SubscriptionProtocol.CancelSubscription(id), timeout, cancellationToken);
        return reply is BotProtocol.Rejected rejected ? Problems.From(rejected) : Results.NoContent();
    }
}
