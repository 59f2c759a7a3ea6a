using ActorTrading.Persistence.Projections;
using ActorTrading.Trading;
using static ActorTrading.Trading.BotEvents;
using static ActorTrading.Trading.SubscriptionEvents;

namespace ActorTrading.ReadModel;

/// <summary>
/// The read tables of copy trading, named as operators of such systems already query them:
/// <c>bots</c>, <c>exchange_accounts</c> (the API key, never the secret, not even encrypted), <c>bot_subscriptions</c> (with each subscription's statistics), <c>bot_signals</c> and
/// <c>bot_signal_executions</c> (one row per subscription and signal: the outcome). No secret is ever
/// written here: bots keep only a hash of their webhook secret, and it stays in the journal.
/// </summary>
/// <remarks>
/// An execution's status is the subscription's (<c>executed</c>, <c>skipped</c>, <c>failed</c>, <c>unknown</c>: whether an order was placed is not known) or, when it was silent past
/// the receipt timeout (<see cref="FanOutTimedOut"/>), <c>unanswered</c>: not counted in the subscription's statistics, and
/// replaced by the subscription's own outcome when it records one.
/// </remarks>
public sealed class TradingReadModel : IProjection
{
    /// <inheritdoc/>
    public string Name => "trading_read_model";

    /// <inheritdoc/>
    public string Schema(ProjectionDialect dialect)
    {
        var (money, time, flag) = dialect == ProjectionDialect.Postgres ? ("numeric", "timestamptz", "boolean") : ("TEXT", "TEXT", "INTEGER");
        return $"""
            CREATE TABLE IF NOT EXISTS bots (
                bot_id                  varchar(64)  PRIMARY KEY,
                name                    text         NOT NULL,
                description             text         NOT NULL,
                market_type             text         NOT NULL,
                master_webhook_path     varchar(128) NOT NULL UNIQUE,
                default_leverage        integer      NOT NULL,
                default_margin_usd      {money}      NOT NULL,
                default_stop_loss_pct   {money},
                default_take_profit_pct {money},
                signal_ttl_seconds      integer      NOT NULL,
                is_active               {flag}       NOT NULL,
                subscribers             integer      NOT NULL DEFAULT 0,
                created_at              {time}       NOT NULL,
                updated_at              {time}       NOT NULL
            );
            CREATE TABLE IF NOT EXISTS users (
                user_id          varchar(64) PRIMARY KEY,
                name             text        NOT NULL,
                api_token_sha256 varchar(64) NOT NULL UNIQUE,
                created_at       {time}      NOT NULL
            );
            CREATE TABLE IF NOT EXISTS exchange_accounts (
                account_id varchar(64) PRIMARY KEY,
                owner_id   varchar(64) NOT NULL,
                exchange   text        NOT NULL,
                testnet    {flag}      NOT NULL,
                api_key    text        NOT NULL,
                is_deleted {flag}      NOT NULL,
                created_at {time}      NOT NULL,
                updated_at {time}      NOT NULL
            );
            CREATE INDEX IF NOT EXISTS exchange_accounts_by_owner ON exchange_accounts (owner_id);
            CREATE TABLE IF NOT EXISTS bot_subscriptions (
                subscription_id          varchar(64) PRIMARY KEY,
                owner_id                 varchar(64) NOT NULL,
                bot_id                   varchar(64) NOT NULL,
                account_id               varchar(64) NOT NULL,
                exchange                 text        NOT NULL,
                custom_leverage          integer,
                custom_margin_usd        {money},
                custom_stop_loss_pct     {money},
                custom_take_profit_pct   {money},
                max_daily_loss_usd       {money},
                max_concurrent_positions integer,
                status                   text        NOT NULL,
                signals_received         integer     NOT NULL DEFAULT 0,
                orders_executed          integer     NOT NULL DEFAULT 0,
                orders_failed            integer     NOT NULL DEFAULT 0,
                orders_skipped           integer     NOT NULL DEFAULT 0,
                last_signal_at           {time},
                created_at               {time}      NOT NULL,
                updated_at               {time}      NOT NULL
            );
            CREATE INDEX IF NOT EXISTS bot_subscriptions_by_bot ON bot_subscriptions (bot_id);
            CREATE INDEX IF NOT EXISTS bot_subscriptions_by_owner ON bot_subscriptions (owner_id);
            CREATE TABLE IF NOT EXISTS bot_signals (
                signal_id            varchar(64) PRIMARY KEY,
                bot_id               varchar(64) NOT NULL,
                ticker               text        NOT NULL,
                action               text        NOT NULL,
                alert_price          {money},
                alert_id             text,
                accepted_at          {time}      NOT NULL,
                subscribers          integer     NOT NULL,
                fan_out_completed_at {time}
            );
            CREATE INDEX IF NOT EXISTS bot_signals_by_bot ON bot_signals (bot_id, accepted_at);
            CREATE INDEX IF NOT EXISTS bot_signals_fanning_out ON bot_signals (bot_id) WHERE fan_out_completed_at IS NULL;
            CREATE TABLE IF NOT EXISTS bot_signal_executions (
                signal_id         varchar(64) NOT NULL,
                subscription_id   varchar(64) NOT NULL,
                bot_id            varchar(64) NOT NULL,
                status            text        NOT NULL,
                reason            text,
                exchange_order_id text,
                price             {money},
                quantity          {money},
                elapsed_ms        bigint      NOT NULL,
                completed_at      {time}      NOT NULL,
                PRIMARY KEY (signal_id, subscription_id)
            );
            """;
    }

    /// <inheritdoc/>
    public bool Includes(string manifest) => !TradingSerializer.SignalSteps.Contains(manifest);

    /// <inheritdoc/>
    public async Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken)
    {
        if (!Includes(@event.Manifest))
        {
            return;
        }

        foreach (var (sql, parameters) in Statements(@event))
        {
            await transaction.ExecuteAsync(sql, parameters, cancellationToken);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// On PostgreSQL the outcomes of a batch (one per subscription per signal: thousands after one signal) are written as
    /// one <c>INSERT … SELECT FROM unnest(…)</c> and one <c>UPDATE … FROM</c> per run of consecutive outcomes, instead of
    /// two statements each. Any other event first writes the outcomes before it, so the order is kept.
    /// </remarks>
    public async Task ApplyBatchAsync(IReadOnlyList<ProjectedEvent> events, ProjectionTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction.Dialect != ProjectionDialect.Postgres)
        {
            foreach (var @event in events)
            {
                await ApplyAsync(@event, transaction, cancellationToken);
            }

            return;
        }

        var outcomes = new List<(string SubscriptionId, SignalCompleted Completed)>();
        foreach (var @event in events)
        {
            if (!Includes(@event.Manifest))
            {
                continue;
            }

            if (@event.Manifest == TradingSerializer.SignalOutcome && @event.Payload is SignalCompleted completed)
            {
                outcomes.Add((EntityId(@event), completed));
                continue;
            }

            await WriteOutcomesAsync(outcomes, transaction, cancellationToken);
            await ApplyAsync(@event, transaction, cancellationToken);
        }

        await WriteOutcomesAsync(outcomes, transaction, cancellationToken);
    }

    private static async Task WriteOutcomesAsync(List<(string SubscriptionId, SignalCompleted Completed)> outcomes, ProjectionTransaction transaction, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        var ids = outcomes.Select(o => o.SubscriptionId).ToArray();
        var at = outcomes.Select(o => o.Completed.At).ToArray();
        await transaction.ExecuteAsync("""
            INSERT INTO bot_signal_executions (signal_id, subscription_id, bot_id, status, reason, exchange_order_id, price, quantity, elapsed_ms, completed_at)
            SELECT * FROM unnest(@signals::text[], @ids::text[], @bots::text[], @statuses::text[], @reasons::text[], @orders::text[],
                                 @prices::numeric[], @quantities::numeric[], @elapsed::bigint[], @at::timestamptz[])
            """ + ReplacingUnanswered,
            [("signals", outcomes.Select(o => o.Completed.SignalId).ToArray()), ("ids", ids), ("bots", outcomes.Select(o => o.Completed.BotId).ToArray()),
             ("statuses", outcomes.Select(o => Status(o.Completed.Status)).ToArray()), ("reasons", outcomes.Select(o => o.Completed.Reason).ToArray()),
             ("orders", outcomes.Select(o => o.Completed.ExchangeOrderId).ToArray()), ("prices", outcomes.Select(o => o.Completed.Price).ToArray()),
             ("quantities", outcomes.Select(o => o.Completed.Quantity).ToArray()), ("elapsed", outcomes.Select(o => o.Completed.ElapsedMs).ToArray()), ("at", at)],
            cancellationToken);
        await transaction.ExecuteAsync("""
            UPDATE bot_subscriptions s
               SET signals_received = s.signals_received + o.received,
                   orders_executed = s.orders_executed + o.executed,
                   orders_failed = s.orders_failed + o.failed,
                   orders_skipped = s.orders_skipped + o.skipped,
                   last_signal_at = o.last_at, updated_at = o.last_at
              FROM (SELECT id, count(*) AS received, sum(executed) AS executed, sum(failed) AS failed, sum(skipped) AS skipped, max(at) AS last_at
                      FROM unnest(@ids::text[], @executed::int[], @failed::int[], @skipped::int[], @at::timestamptz[]) AS u(id, executed, failed, skipped, at)
                     GROUP BY id) o
             WHERE s.subscription_id = o.id
            """,
            [("ids", ids), ("at", at),
             ("executed", outcomes.Select(o => o.Completed.Status == ExecutionStatus.Executed ? 1 : 0).ToArray()),
             ("failed", outcomes.Select(o => Failed(o.Completed.Status)).ToArray()),
             ("skipped", outcomes.Select(o => o.Completed.Status == ExecutionStatus.Skipped ? 1 : 0).ToArray())],
            cancellationToken);
        outcomes.Clear();
    }

    /// <summary>The status recorded for a subscription silent past the receipt timeout.</summary>
    public const string Unanswered = "unanswered";

    /// <summary>The status recorded when whether an order was placed is not known.</summary>
    public const string Unknown = "unknown";

    // A subscription's outcome recorded after its receipt timed out is the truth, and replaces the unanswered row. The same
    // clause on both databases; a conflict with any other row changes nothing.
    private const string ReplacingUnanswered = """

         ON CONFLICT (signal_id, subscription_id) DO UPDATE
            SET status = excluded.status, reason = excluded.reason, exchange_order_id = excluded.exchange_order_id, price = excluded.price,
                quantity = excluded.quantity, elapsed_ms = excluded.elapsed_ms, completed_at = excluded.completed_at
          WHERE bot_signal_executions.status = 'unanswered'
        """;

    // Once per outcome: constants, not two new strings each time.
    private static string Status(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Executed => "executed",
        ExecutionStatus.Skipped => "skipped",
        ExecutionStatus.Failed => "failed",
        ExecutionStatus.Unknown => Unknown,
        ExecutionStatus.Unanswered => Unanswered,
        _ => status.ToString().ToLowerInvariant(),
    };

    // Counted as the entity's statistics count them: an unknown outcome is not a trade, and needs the subscriber's look.
    private static int Failed(ExecutionStatus status) => status is ExecutionStatus.Failed or ExecutionStatus.Unknown ? 1 : 0;

    private static string EntityId(ProjectedEvent @event) => @event.PersistenceId[(@event.PersistenceId.IndexOf('-', StringComparison.Ordinal) + 1)..];

    private static IEnumerable<(string Sql, (string, object?)[] Parameters)> Statements(ProjectedEvent @event)
    {
        var entityId = EntityId(@event);
        if (@event.Payload is SignalCompleted completed)
        {
            // Two statements, not one: a batched statement on PostgreSQL carries a single command.
            return
            [
                ("""
                 INSERT INTO bot_signal_executions (signal_id, subscription_id, bot_id, status, reason, exchange_order_id, price, quantity, elapsed_ms, completed_at)
                 VALUES (@signal, @id, @bot, @status, @reason, @order, @price, @quantity, @elapsed, @at)
                 """ + ReplacingUnanswered,
                 [("signal", completed.SignalId), ("id", entityId), ("bot", completed.BotId), ("status", Status(completed.Status)),
                  ("reason", completed.Reason), ("order", completed.ExchangeOrderId), ("price", completed.Price), ("quantity", completed.Quantity),
                  ("elapsed", completed.ElapsedMs), ("at", completed.At)]),
                ("""
                 UPDATE bot_subscriptions
                    SET signals_received = signals_received + 1,
                        orders_executed = orders_executed + @executed,
                        orders_failed = orders_failed + @failed,
                        orders_skipped = orders_skipped + @skipped,
                        last_signal_at = @at, updated_at = @at
                  WHERE subscription_id = @id
                 """,
                 [("id", entityId), ("at", completed.At),
                  ("executed", completed.Status == ExecutionStatus.Executed ? 1 : 0), ("failed", Failed(completed.Status)),
                  ("skipped", completed.Status == ExecutionStatus.Skipped ? 1 : 0)]),
            ];
        }

        if (@event.Payload is FanOutTimedOut timedOut)
        {
            // Kept if the subscription's own outcome got here first (it recorded one just as the timeout came). The fan-out is
            // not complete: fan_out_completed_at waits for FanOutCompleted (a node starting wakes the bots still fanning out).
            return timedOut.Unanswered.Select(subscriptionId => ("""
                INSERT INTO bot_signal_executions (signal_id, subscription_id, bot_id, status, reason, elapsed_ms, completed_at)
                VALUES (@signal, @id, @bot, @status, @reason, @elapsed, @at)
                ON CONFLICT (signal_id, subscription_id) DO NOTHING
                """, new (string, object?)[]
                {
                    ("signal", timedOut.SignalId), ("id", subscriptionId), ("bot", entityId), ("status", Status(ExecutionStatus.Unanswered)),
                    ("reason", UnansweredReason(timedOut.WaitedMs)), ("elapsed", timedOut.WaitedMs), ("at", timedOut.At),
                }));
        }

        return Statement(@event.Payload, entityId) is { Sql: { } sql } single ? [(sql, single.Parameters)] : [];
    }

    private static (string? Sql, (string, object?)[] Parameters) Statement(object payload, string entityId)
    {
        return payload switch
        {
            BotCreated e => ("""
                INSERT INTO bots (bot_id, name, description, market_type, master_webhook_path, default_leverage, default_margin_usd,
                                  default_stop_loss_pct, default_take_profit_pct, signal_ttl_seconds, is_active, created_at, updated_at)
                VALUES (@id, @name, @description, @market, @path, @leverage, @margin, @sl, @tp, @ttl, @active, @at, @at)
                """,
                [("id", e.BotId), ("name", e.Name), ("description", e.Description), ("market", e.MarketType), ("path", e.WebhookPath),
                 ("leverage", e.Defaults.Leverage), ("margin", e.Defaults.MarginUsd), ("sl", e.Defaults.StopLossPct), ("tp", e.Defaults.TakeProfitPct),
                 ("ttl", (int)e.SignalTimeToLive.TotalSeconds), ("active", true), ("at", e.At)]),
            BotUpdated e => ("""
                UPDATE bots SET description = @description, default_leverage = @leverage, default_margin_usd = @margin,
                       default_stop_loss_pct = @sl, default_take_profit_pct = @tp, signal_ttl_seconds = @ttl, updated_at = @at
                 WHERE bot_id = @id
                """,
                [("id", entityId), ("description", e.Description), ("leverage", e.Defaults.Leverage), ("margin", e.Defaults.MarginUsd),
                 ("sl", e.Defaults.StopLossPct), ("tp", e.Defaults.TakeProfitPct), ("ttl", (int)e.SignalTimeToLive.TotalSeconds), ("at", e.At)]),
            BotPaused e => ("UPDATE bots SET is_active = @active, updated_at = @at WHERE bot_id = @id", [("id", entityId), ("active", false), ("at", e.At)]),
            BotResumed e => ("UPDATE bots SET is_active = @active, updated_at = @at WHERE bot_id = @id", [("id", entityId), ("active", true), ("at", e.At)]),
            SubscriberAdded e => ("UPDATE bots SET subscribers = subscribers + 1, updated_at = @at WHERE bot_id = @id", [("id", entityId), ("at", e.At)]),
            SubscriberRemoved e => ("UPDATE bots SET subscribers = subscribers - 1, updated_at = @at WHERE bot_id = @id", [("id", entityId), ("at", e.At)]),
            SignalAccepted e => ("""
                INSERT INTO bot_signals (signal_id, bot_id, ticker, action, alert_price, alert_id, accepted_at, subscribers)
                VALUES (@id, @bot, @ticker, @action, @price, @alert, @at, @subscribers)
                """,
                [("id", e.SignalId), ("bot", entityId), ("ticker", e.Signal.Ticker), ("action", ActorTrading.Domain.SignalActions.Name(e.Signal.Action)),
                 ("price", e.Signal.AlertPrice), ("alert", e.Signal.AlertId), ("at", e.AcceptedAt), ("subscribers", e.SubscriberCount)]),
            FanOutCompleted e => ("UPDATE bot_signals SET fan_out_completed_at = @at WHERE signal_id = @id", [("id", e.SignalId), ("at", e.At)]),
            SubscriptionCreated e => ("""
                INSERT INTO bot_subscriptions (subscription_id, owner_id, bot_id, account_id, exchange, custom_leverage, custom_margin_usd,
                       custom_stop_loss_pct, custom_take_profit_pct, max_daily_loss_usd, max_concurrent_positions, status, created_at, updated_at)
                VALUES (@id, @owner, @bot, @account, @exchange, @leverage, @margin, @sl, @tp, @loss, @positions, 'active', @at, @at)
                """,
                [("id", e.SubscriptionId), ("owner", e.OwnerId), ("bot", e.BotId), ("account", e.AccountId), ("exchange", e.Exchange.ToString().ToLowerInvariant()),
                 ("leverage", e.Overrides.Leverage), ("margin", e.Overrides.MarginUsd), ("sl", e.Overrides.StopLossPct), ("tp", e.Overrides.TakeProfitPct),
                 ("loss", e.Limits.MaxDailyLossUsd), ("positions", e.Limits.MaxConcurrentPositions), ("at", e.At)]),
            SubscriptionUpdated e => ("""
                UPDATE bot_subscriptions SET custom_leverage = @leverage, custom_margin_usd = @margin, custom_stop_loss_pct = @sl,
                       custom_take_profit_pct = @tp, max_daily_loss_usd = @loss, max_concurrent_positions = @positions, updated_at = @at
                 WHERE subscription_id = @id
                """,
                [("id", entityId), ("leverage", e.Overrides.Leverage), ("margin", e.Overrides.MarginUsd), ("sl", e.Overrides.StopLossPct),
                 ("tp", e.Overrides.TakeProfitPct), ("loss", e.Limits.MaxDailyLossUsd), ("positions", e.Limits.MaxConcurrentPositions), ("at", e.At)]),
            SubscriptionPaused e => Status(entityId, "paused", e.At),
            SubscriptionResumed e => Status(entityId, "active", e.At),
            SubscriptionCancelled e => Status(entityId, "cancelled", e.At),
            UserEvents.UserCreated e => (
                "INSERT INTO users (user_id, name, api_token_sha256, created_at) VALUES (@id, @name, @token, @at)",
                [("id", e.UserId), ("name", e.Name), ("token", e.ApiTokenSha256), ("at", e.At)]),
            AccountEvents.AccountRegistered e => ("""
                INSERT INTO exchange_accounts (account_id, owner_id, exchange, testnet, api_key, is_deleted, created_at, updated_at)
                VALUES (@id, @owner, @exchange, @testnet, @key, @deleted, @at, @at)
                """,
                [("id", e.AccountId), ("owner", e.OwnerId), ("exchange", e.Exchange.ToString().ToLowerInvariant()), ("testnet", e.Testnet),
                 ("key", e.ApiKey), ("deleted", false), ("at", e.At)]),
            AccountEvents.AccountCredentialsChanged e => ("UPDATE exchange_accounts SET api_key = @key, updated_at = @at WHERE account_id = @id", [("id", entityId), ("key", e.ApiKey), ("at", e.At)]),
            AccountEvents.AccountDeleted e => ("UPDATE exchange_accounts SET is_deleted = @deleted, updated_at = @at WHERE account_id = @id", [("id", entityId), ("deleted", true), ("at", e.At)]),
            _ => (null, []),
        };
    }

    private static string UnansweredReason(long waitedMs) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"the subscription recorded no outcome within {TimeSpan.FromMilliseconds(waitedMs):g} of the signal; the bot still tells it. Any order it placed for this signal before it failed is not recorded here: check the exchange account");

    private static (string, (string, object?)[]) Status(string subscriptionId, string status, DateTimeOffset at) =>
        ("UPDATE bot_subscriptions SET status = @status, updated_at = @at WHERE subscription_id = @id", [("id", subscriptionId), ("status", status), ("at", at)]);
}
