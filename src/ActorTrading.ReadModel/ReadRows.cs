namespace ActorTrading.ReadModel;

// The rows the read queries answer with, one property per column of the read table, in its order and named after it
// (bot_id is BotId): the API shows them under the column names, whatever the store.

/// <summary>A row of <c>bots</c>.</summary>
/// <param name="BotId">The bot's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Description">Its description.</param>
/// <param name="MarketType">The market it trades.</param>
/// <param name="MasterWebhookPath">The path its signals are posted to (null where the caller may not see it).</param>
/// <param name="DefaultLeverage">Leverage, unless a subscription overrides it.</param>
/// <param name="DefaultMarginUsd">Margin per trade in USD, unless overridden.</param>
/// <param name="DefaultStopLossPct">Stop-loss distance in percent, if any.</param>
/// <param name="DefaultTakeProfitPct">Take-profit distance in percent, if any.</param>
/// <param name="SignalTtlSeconds">How old a signal may be and still trade.</param>
/// <param name="IsActive">Whether it accepts signals.</param>
/// <param name="Subscribers">How many subscriptions it fans out to.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record BotRow(
    string BotId, string Name, string Description, string MarketType, string? MasterWebhookPath, int DefaultLeverage, decimal DefaultMarginUsd,
    decimal? DefaultStopLossPct, decimal? DefaultTakeProfitPct, int SignalTtlSeconds, bool IsActive, int Subscribers, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A row of <c>exchange_accounts</c>: the API key, never the secret.</summary>
/// <param name="AccountId">The account's id.</param>
/// <param name="OwnerId">Its owner (a user id, or <c>admin</c>).</param>
/// <param name="Exchange">The venue, lower case.</param>
/// <param name="Testnet">Whether it trades on the venue's testnet.</param>
/// <param name="ApiKey">The API key.</param>
/// <param name="IsDeleted">Whether it was deleted.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ExchangeAccountRow(
    string AccountId, string OwnerId, string Exchange, bool Testnet, string ApiKey, bool IsDeleted, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A row of <c>users</c>, without the token's hash.</summary>
public sealed record UserRow(string UserId, string Name, DateTimeOffset CreatedAt);

/// <summary>The node's activity at a glance (the seed's health fields).</summary>
/// <param name="ActiveBots">Bots taking signals.</param>
/// <param name="ActiveSubscriptions">Subscriptions neither paused nor cancelled.</param>
/// <param name="LastSignalAt">When the last signal was accepted; null before the first.</param>
public sealed record Activity(int ActiveBots, int ActiveSubscriptions, DateTimeOffset? LastSignalAt);

/// <summary>A row of <c>bot_subscriptions</c>, with the subscription's statistics.</summary>
/// <param name="SubscriptionId">The subscription's id.</param>
/// <param name="OwnerId">Its owner.</param>
/// <param name="BotId">The bot it copies.</param>
/// <param name="AccountId">The exchange account it trades on.</param>
/// <param name="Exchange">That account's venue, lower case.</param>
/// <param name="CustomLeverage">Leverage override, if any.</param>
/// <param name="CustomMarginUsd">Margin override, if any.</param>
/// <param name="CustomStopLossPct">Stop-loss override, if any.</param>
/// <param name="CustomTakeProfitPct">Take-profit override, if any.</param>
/// <param name="MaxDailyLossUsd">Daily loss limit, if any.</param>
/// <param name="MaxConcurrentPositions">Limit on open positions, if any.</param>
/// <param name="Status"><c>active</c>, <c>paused</c> or <c>cancelled</c>.</param>
/// <param name="SignalsReceived">Signals it recorded an outcome for.</param>
/// <param name="OrdersExecuted">Outcomes <c>executed</c>.</param>
/// <param name="OrdersFailed">Outcomes <c>failed</c> or <c>unknown</c>.</param>
/// <param name="OrdersSkipped">Outcomes <c>skipped</c>.</param>
/// <param name="LastSignalAt">When it last recorded an outcome.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record SubscriptionRow(
    string SubscriptionId, string OwnerId, string BotId, string AccountId, string Exchange, int? CustomLeverage, decimal? CustomMarginUsd,
    decimal? CustomStopLossPct, decimal? CustomTakeProfitPct, decimal? MaxDailyLossUsd, int? MaxConcurrentPositions, string Status,
    int SignalsReceived, int OrdersExecuted, int OrdersFailed, int OrdersSkipped, DateTimeOffset? LastSignalAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A row of <c>bot_signals</c>: a signal a bot accepted.</summary>
/// <param name="SignalId">The signal's id.</param>
/// <param name="BotId">The bot that accepted it.</param>
/// <param name="Ticker">The symbol.</param>
/// <param name="Action">The action, lower case.</param>
/// <param name="AlertPrice">The price in the alert, if any.</param>
/// <param name="AlertId">The sender's alert id (or Idempotency-Key), if any.</param>
/// <param name="AcceptedAt">When the bot accepted it.</param>
/// <param name="Subscribers">How many subscriptions it was fanned out to.</param>
/// <param name="FanOutCompletedAt">When every subscription was told, or null while the fan-out goes on.</param>
public sealed record SignalRow(
    string SignalId, string BotId, string Ticker, string Action, decimal? AlertPrice, string? AlertId, DateTimeOffset AcceptedAt, int Subscribers, DateTimeOffset? FanOutCompletedAt);

/// <summary>A row of <c>bot_signal_executions</c>: one subscription's outcome of one signal.</summary>
/// <param name="SignalId">The signal.</param>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="BotId">The bot.</param>
/// <param name="Status"><c>executed</c>, <c>skipped</c>, <c>failed</c>, <c>unknown</c> or <c>unanswered</c>.</param>
/// <param name="Reason">Why, when it did not execute.</param>
/// <param name="ExchangeOrderId">The venue's order id, when an order was placed.</param>
/// <param name="Price">The fill price, if any.</param>
/// <param name="Quantity">The quantity, if any.</param>
/// <param name="ElapsedMs">From the signal to the outcome.</param>
/// <param name="CompletedAt">When the outcome was recorded.</param>
public sealed record ExecutionRow(
    string SignalId, string SubscriptionId, string BotId, string Status, string? Reason, string? ExchangeOrderId, decimal? Price, decimal? Quantity,
    long ElapsedMs, DateTimeOffset CompletedAt);

/// <summary>An outcome of one subscription, with what its signal asked for.</summary>
public sealed record SubscriptionExecutionRow(string Ticker, string Action, ExecutionRow Execution);

/// <summary>How far the outcomes of one signal have got in the read tables.</summary>
/// <param name="Projected">Whether the signal itself is in <c>bot_signals</c> yet.</param>
/// <param name="Subscribers">How many subscriptions it was fanned out to (0 while not projected).</param>
/// <param name="Recorded">Outcomes recorded, of any status.</param>
/// <param name="Executed">Of those, <c>executed</c>.</param>
/// <param name="Failed">Of those, <c>failed</c>.</param>
/// <param name="Skipped">Of those, <c>skipped</c>.</param>
/// <param name="Unknown">Of those, <c>unknown</c> (whether an order was placed is not known).</param>
/// <param name="Unanswered">Of those, <c>unanswered</c>.</param>
public sealed record SignalOutcomes(bool Projected, int Subscribers, int Recorded, int Executed, int Failed, int Skipped, int Unknown, int Unanswered)
{
    /// <summary>The counts of the outcomes <paramref name="statuses"/> of a signal fanned out to <paramref name="subscribers"/>.</summary>
    public static SignalOutcomes Of(bool projected, int subscribers, IEnumerable<string> statuses)
    {
        var (recorded, executed, failed, skipped, unknown, unanswered) = (0, 0, 0, 0, 0, 0);
        foreach (var status in statuses)
        {
            recorded++;
            switch (status)
            {
                case "executed": executed++; break;
                case "failed": failed++; break;
                case "skipped": skipped++; break;
                case TradingReadModel.Unknown: unknown++; break;
                case TradingReadModel.Unanswered: unanswered++; break;
            }
        }

        return new SignalOutcomes(projected, subscribers, recorded, executed, failed, skipped, unknown, unanswered);
    }
}

/// <summary>A live (not cancelled) subscription of an exchange account to a bot.</summary>
/// <param name="BotId">The bot.</param>
/// <param name="AccountId">The exchange account.</param>
/// <param name="SubscriptionId">The subscription.</param>
public sealed record LiveSubscription(string BotId, string AccountId, string SubscriptionId);
