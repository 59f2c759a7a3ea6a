using System.Text.Json;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Persistence.Hosting;
using ActorTrading.ReadModel;
using ActorTrading.Trading;

namespace ActorTrading.Node.Api;

/// <summary>Subscriptions of exchange accounts to bots, with optional overrides and risk limits. A user sees and
/// changes only their own (someone else's answers 404, so existence does not leak).</summary>
internal static class SubscriptionsApi
{
    public sealed record CreateSubscriptionRequest(string? BotId, string? ExchangeAccountId, int? CustomLeverage, decimal? CustomMarginUsd,
        decimal? CustomStopLossPct, decimal? CustomTakeProfitPct, decimal? MaxDailyLossUsd, int? MaxConcurrentPositions);

    // What PATCH may change. A field left out keeps its value; null clears an override or a limit (JSON merge patch, RFC 7396).
    private static readonly string[] UpdatableFields =
        ["is_active", "custom_leverage", "custom_margin_usd", "custom_stop_loss_pct", "custom_take_profit_pct", "max_daily_loss_usd", "max_concurrent_positions"];

    public static void MapSubscriptionsApi(this IEndpointRouteBuilder app, IEndpointFilter caller)
    {
        var subscriptions = app.MapGroup("/api/v1/bot-subscriptions").AddEndpointFilter(caller);
        subscriptions.MapPost("", CreateAsync).WithName("CreateSubscription");
        subscriptions.MapGet("", async (HttpContext http, ReadQueries queries, CancellationToken token) =>
        {
            var me = Caller.Of(http);
            return Results.Json(await queries.SubscriptionsAsync(me.IsAdmin ? null : me.OwnerId, token));
        }).WithName("ListSubscriptions");
        subscriptions.MapGet("/{id}", async (string id, HttpContext http, EntityRegions regions, DurableStores stores, NodeOptions options, CancellationToken token) =>
            await OwnedAsync(id, http, regions, stores, options, token) is { } current ? Results.Json(Json(current)) : NotFound(id)).WithName("GetSubscription");
        subscriptions.MapGet("/{id}/executions", ExecutionsAsync).WithName("ListSubscriptionExecutions");
        subscriptions.MapPatch("/{id}", UpdateAsync).WithName("UpdateSubscription");
        subscriptions.MapDelete("/{id}", CancelAsync).WithName("CancelSubscription");
    }

    // The owner reads why each signal was traded, skipped or failed (the signal itself is the operator's, GET /signals/{id}).
    private static async Task<IResult> ExecutionsAsync(string id, int? limit, HttpContext http, ReadQueries queries, CancellationToken cancellationToken)
    {
        var count = limit ?? 100;
        if (count is < 1 or > 1_000)
        {
            return Problems.Invalid("limit", $"must be between 1 and 1000, not {count}");
        }

        if (await queries.SubscriptionOwnerAsync(id, cancellationToken) is not { } owner || !Caller.Of(http).Owns(owner))
        {
            return NotFound(id);
        }

        return Results.Json((await queries.SubscriptionExecutionsAsync(id, count, cancellationToken)).Select(row => new
        {
            signal_id = row.Execution.SignalId,
            ticker = row.Ticker,
            action = row.Action,
            status = row.Execution.Status,
            reason = row.Execution.Reason,
            exchange_order_id = row.Execution.ExchangeOrderId,
            price = row.Execution.Price,
            quantity = row.Execution.Quantity,
            elapsed_ms = row.Execution.ElapsedMs,
            completed_at = row.Execution.CompletedAt,
        }));
    }

    private static IResult NotFound(string id) => Results.Problem($"subscription {id} does not exist", statusCode: StatusCodes.Status404NotFound);

    /// <summary>The subscription, if it exists and the caller owns it. An id with no journal is answered from the journal
    /// alone: a guess does not start (and keep in memory) an entity for it.</summary>
    private static async Task<SubscriptionProtocol.CurrentSubscription?> OwnedAsync(string id, HttpContext http, EntityRegions regions, DurableStores stores, NodeOptions options,
        CancellationToken cancellationToken) =>
        await ExistsAsync(stores, id, cancellationToken)
            && await regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.GetSubscription(id, replyTo), options.AskTimeout, cancellationToken) is SubscriptionProtocol.CurrentSubscription current
            && Caller.Of(http).Owns(current.OwnerId)
            ? current
            : null;

    private static async Task<bool> ExistsAsync(DurableStores stores, string id, CancellationToken cancellationToken) =>
        await stores.Journal.ReadHighestSequenceNrAsync(SubscriptionEntity.PersistenceIdOf(id), cancellationToken) > 0;

    /// <summary>One subscription as the entity has it now, in the fields of <c>POST</c> and of the list (the read table's columns).</summary>
    private static Dictionary<string, object?> Json(SubscriptionProtocol.CurrentSubscription subscription) => new()
    {
        ["id"] = subscription.SubscriptionId,
        ["owner_id"] = subscription.OwnerId,
        ["bot_id"] = subscription.BotId,
        ["account_id"] = subscription.AccountId,
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

    private static async Task<IResult> CreateAsync(CreateSubscriptionRequest request, HttpContext http, EntityRegions regions, ClaimRegistry claims,
        DurableStores stores, NodeOptions options, CancellationToken cancellationToken)
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

        var timeout = options.AskTimeout;
        if (await regions.Bots.Ask<object>(replyTo => new BotProtocol.GetBot(request.BotId!, replyTo), timeout, cancellationToken) is not BotProtocol.CurrentBot)
        {
            return Problems.Invalid("bot_id", $"bot {request.BotId} does not exist");
        }

        if (await regions.Accounts.Ask<object>(replyTo => new AccountProtocol.GetAccount(request.ExchangeAccountId!, replyTo), timeout, cancellationToken) is not AccountProtocol.CurrentAccount { Deleted: false } account
            || !Caller.Of(http).Owns(account.OwnerId))
        {
            return Problems.Invalid("exchange_account_id", $"exchange account {request.ExchangeAccountId} does not exist");
        }

        var subscriptionId = Guid.CreateVersion7().ToString("N");
        if (await ClaimPairAsync(regions, claims, stores, options, request.BotId!, account.AccountId, subscriptionId, cancellationToken) is { } holder)
        {
            return Problems.Conflict("exchange_account_id",
                $"exchange account {account.AccountId} is already subscribed to bot {request.BotId} (subscription {holder}); change or cancel that one");
        }

        var created = await regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CreateSubscription(subscriptionId, account.OwnerId, request.BotId!,
            account.AccountId, account.Exchange, overrides, limits, replyTo), timeout, cancellationToken);
        if (created is BotProtocol.Rejected rejected)
        {
            await claims.ReleaseAsync(ClaimKeys.Subscription(request.BotId!, account.AccountId), subscriptionId, cancellationToken);
            return Problems.From(rejected);
        }

        // The subscription exists before the bot fans out to it; if this step fails the call can be repeated.
        var added = await regions.Bots.Ask<object>(replyTo => new BotProtocol.AddSubscriber(request.BotId!, subscriptionId, replyTo), timeout, cancellationToken);
        return added is BotProtocol.Rejected notAdded
            ? Problems.From(notAdded)
            : Results.Created($"/api/v1/bot-subscriptions/{subscriptionId}",
                new Dictionary<string, object?> { ["id"] = subscriptionId, ["bot_id"] = request.BotId, ["exchange_account_id"] = account.AccountId, ["status"] = "active" });
    }

    // How old a claim must be before a holder that never came to exist may lose it: a creation in flight (its entity not yet
    // written) is never mistaken for one that failed, since every step of it times out long before.
    private static readonly TimeSpan AbandonedClaimAge = TimeSpan.FromMinutes(1);

    /// <summary>Claims the one subscription of <paramref name="accountId"/> to <paramref name="botId"/>: null when it is now
    /// <paramref name="subscriptionId"/>'s, else the subscription that holds it. A holder that was cancelled (or whose creation
    /// failed before it was written, long enough ago) no longer counts: the claim passes on, compared and swapped.</summary>
    private static async Task<string?> ClaimPairAsync(EntityRegions regions, ClaimRegistry claims, DurableStores stores, NodeOptions options, string botId, string accountId, string subscriptionId, CancellationToken cancellationToken)
    {
        var key = ClaimKeys.Subscription(botId, accountId);
        if (await claims.ClaimAsync(key, subscriptionId, cancellationToken) is not { } taken)
        {
            return null;
        }

        var gone = await ExistsAsync(stores, taken.Owner, cancellationToken)
            ? await regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.GetSubscription(taken.Owner, replyTo), options.AskTimeout, cancellationToken)
                is SubscriptionProtocol.CurrentSubscription { Status: SubscriptionStatus.Cancelled }
            : claims.AgeOf(taken) > AbandonedClaimAge;
        return gone && await claims.ClaimAsync(key, subscriptionId, cancellationToken, replacing: taken.Owner) is null ? null : taken.Owner;
    }

    private static async Task<IResult> UpdateAsync(string id, JsonElement request, HttpContext http, EntityRegions regions, DurableStores stores, NodeOptions options,
        CancellationToken cancellationToken)
    {
        var timeout = options.AskTimeout;
        if (request.ValueKind != JsonValueKind.Object)
        {
            return Problems.Invalid("body", $"must be a JSON object, got {request.ValueKind.ToString().ToLowerInvariant()}");
        }

        if (await OwnedAsync(id, http, regions, stores, options, cancellationToken) is not { } current)
        {
            return NotFound(id);
        }

        var typeErrors = request.EnumerateObject().Where(field => !UpdatableFields.Contains(field.Name))
            .Select(field => new FieldError(field.Name, $"is not a field of a subscription that can be changed (those are: {string.Join(", ", UpdatableFields)})")).ToList();
        var active = Merged(request, "is_active", (bool?)null, typeErrors, v => v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => (bool?)null }, "true or false");
        var (overrides, limits, errors) = Validate(
            Merged(request, "custom_leverage", current.Overrides.Leverage, typeErrors, Int, "a whole number"),
            Merged(request, "custom_margin_usd", current.Overrides.MarginUsd, typeErrors, Decimal, "a number"),
            Merged(request, "custom_stop_loss_pct", current.Overrides.StopLossPct, typeErrors, Decimal, "a number"),
            Merged(request, "custom_take_profit_pct", current.Overrides.TakeProfitPct, typeErrors, Decimal, "a number"),
            Merged(request, "max_daily_loss_usd", current.Limits.MaxDailyLossUsd, typeErrors, Decimal, "a number"),
            Merged(request, "max_concurrent_positions", current.Limits.MaxConcurrentPositions, typeErrors, Int, "a whole number"));
        errors.InsertRange(0, typeErrors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var commands = new List<Func<IActorRef, object>> { replyTo => new SubscriptionProtocol.UpdateSubscription(id, overrides, limits, replyTo) };
        if (active is { } isActive)
        {
            commands.Add(isActive ? replyTo => new SubscriptionProtocol.ResumeSubscription(id, replyTo) : replyTo => new SubscriptionProtocol.PauseSubscription(id, replyTo));
        }

        foreach (var command in commands)
        {
            if (await regions.Subscriptions.Ask<object>(command, timeout, cancellationToken) is BotProtocol.Rejected rejected)
            {
                return Problems.From(rejected);
            }
        }

        return await regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.GetSubscription(id, replyTo), timeout, cancellationToken) switch
        {
            SubscriptionProtocol.CurrentSubscription updated => Results.Json(Json(updated)),
            BotProtocol.Rejected rejected => Problems.From(rejected),
            var reply => Problems.Unexpected(reply),
        };
    }

    private static int? Int(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    private static decimal? Decimal(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) ? number : null;

    /// <summary>A field of a merge patch: left out, the current value; null, none; else the value, or an error naming the field.</summary>
    private static T? Merged<T>(JsonElement patch, string field, T? current, List<FieldError> errors, Func<JsonElement, T?> read, string expected)
        where T : struct
    {
        if (!patch.TryGetProperty(field, out var value))
        {
            return current;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (read(value) is { } result)
        {
            return result;
        }

        errors.Add(new FieldError(field, $"must be {expected} or null, got {value.GetRawText()}"));
        return current;
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, EntityRegions regions, ClaimRegistry claims, DurableStores stores, NodeOptions options,
        CancellationToken cancellationToken)
    {
        var timeout = options.AskTimeout;
        if (await OwnedAsync(id, http, regions, stores, options, cancellationToken) is not { } current)
        {
            return NotFound(id);
        }

        await regions.Bots.Ask<object>(replyTo => new BotProtocol.RemoveSubscriber(current.BotId, id, replyTo), timeout, cancellationToken);
        var reply = await regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CancelSubscription(id, replyTo), timeout, cancellationToken);
        if (reply is BotProtocol.Rejected rejected)
        {
            return Problems.From(rejected);
        }

        // The account may subscribe to the bot again (were this cut short, the next subscription finds this one cancelled).
        await claims.ReleaseAsync(ClaimKeys.Subscription(current.BotId, current.AccountId), id, cancellationToken);
        return Results.NoContent();
    }
}
