using System.Data.Common;
using System.Globalization;
using ActorTrading.Persistence.Projections;

namespace ActorTrading.ReadModel;

/// <summary>
/// Every question the node asks of the read tables, one method each, answered with typed rows. The SQL is the same on
/// SQLite and PostgreSQL; what differs is how each stores values (SQLite keeps decimals and times as text and booleans as
/// integers), and that is read here, so that the rows are the same whatever the store.
/// </summary>
/// <remarks>The read tables follow the journal a moment behind it (see <see cref="TradingReadModel"/>): what was just
/// written may not be here yet.</remarks>
public sealed class ReadQueries(IProjectionStore store)
{
    /// <summary>Every bot, oldest first.</summary>
    public Task<List<BotRow>> BotsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM bots ORDER BY created_at", [], Bot, cancellationToken);

    /// <summary>Whether the read tables know the bot <paramref name="botId"/>.</summary>
    public async Task<bool> BotExistsAsync(string botId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT bot_id FROM bots WHERE bot_id = @id", [("id", botId)], row => row.String(0), cancellationToken)).Count > 0;

    /// <summary>Every bot's webhook path, with the bot it leads to.</summary>
    public Task<List<(string Path, string BotId)>> WebhookPathsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT master_webhook_path, bot_id FROM bots", [], row => (row.String(0), row.String(1)), cancellationToken);

    /// <summary>The bots with a signal whose fan-out has not completed.</summary>
    public Task<List<string>> BotsStillFanningOutAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT DISTINCT bot_id FROM bot_signals WHERE fan_out_completed_at IS NULL", [], row => row.String(0), cancellationToken);

    /// <summary>Every user's API token hash, with the user.</summary>
    public Task<List<(string TokenSha256, string UserId)>> UserTokensAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT api_token_sha256, user_id FROM users", [], row => (row.String(0), row.String(1)), cancellationToken);

    /// <summary>The exchange accounts not deleted, oldest first: of <paramref name="ownerId"/>, or everyone's when null.</summary>
    public Task<List<ExchangeAccountRow>> ExchangeAccountsAsync(string? ownerId, CancellationToken cancellationToken) => ownerId is null
        ? QueryAsync("SELECT * FROM exchange_accounts WHERE is_deleted = @no ORDER BY created_at", [("no", false)], ExchangeAccount, cancellationToken)
        : QueryAsync("SELECT * FROM exchange_accounts WHERE is_deleted = @no AND owner_id = @owner ORDER BY created_at", [("no", false), ("owner", ownerId)],
            ExchangeAccount, cancellationToken);

    /// <summary>The exchange account <paramref name="accountId"/> unless deleted; null when the read tables do not (yet) have it.</summary>
    public async Task<ExchangeAccountRow?> ExchangeAccountAsync(string accountId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT * FROM exchange_accounts WHERE account_id = @id AND is_deleted = @no", [("id", accountId), ("no", false)], ExchangeAccount,
            cancellationToken)).FirstOrDefault();

    /// <summary>Every user, oldest first (never the token's hash).</summary>
    public Task<List<UserRow>> UsersAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT user_id, name, created_at FROM users ORDER BY created_at", [], User, cancellationToken);

    /// <summary>The user <paramref name="userId"/>; null when the read tables do not (yet) have it.</summary>
    public async Task<UserRow?> UserAsync(string userId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT user_id, name, created_at FROM users WHERE user_id = @id", [("id", userId)], User, cancellationToken)).FirstOrDefault();

    /// <summary>The node's activity at a glance: active bots, active subscriptions and when the last signal was accepted.</summary>
    public async Task<Activity> ActivityAsync(CancellationToken cancellationToken)
    {
        var activity = await QueryAsync("""
            SELECT (SELECT count(*) FROM bots WHERE is_active = @yes) AS bots,
                   (SELECT count(*) FROM bot_subscriptions WHERE status = 'active') AS subscriptions,
                   (SELECT max(accepted_at) FROM bot_signals) AS last_signal_at
            """, [("yes", true)], row => new Activity(row.Int("bots"), row.Int("subscriptions"), row.NullableTime("last_signal_at")), cancellationToken);
        return activity[0];
    }

    /// <summary>The subscriptions, cancelled ones too, oldest first: of <paramref name="ownerId"/>, or everyone's when null.</summary>
    public Task<List<SubscriptionRow>> SubscriptionsAsync(string? ownerId, CancellationToken cancellationToken) => ownerId is null
        ? QueryAsync("SELECT * FROM bot_subscriptions ORDER BY created_at", [], Subscription, cancellationToken)
        : QueryAsync("SELECT * FROM bot_subscriptions WHERE owner_id = @owner ORDER BY created_at", [("owner", ownerId)], Subscription, cancellationToken);

    /// <summary>Who owns the subscription <paramref name="subscriptionId"/>; null when the read tables do not (yet) have it.</summary>
    public async Task<string?> SubscriptionOwnerAsync(string subscriptionId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT owner_id FROM bot_subscriptions WHERE subscription_id = @id", [("id", subscriptionId)], row => row.String(0), cancellationToken))
        .FirstOrDefault();

    /// <summary>The latest <paramref name="limit"/> outcomes of the subscription <paramref name="subscriptionId"/>, newest
    /// first, each with its signal's ticker and action.</summary>
    public Task<List<SubscriptionExecutionRow>> SubscriptionExecutionsAsync(string subscriptionId, int limit, CancellationToken cancellationToken) =>
        QueryAsync("""
            SELECT e.*, s.ticker, s.action FROM bot_signal_executions e JOIN bot_signals s ON s.signal_id = e.signal_id
             WHERE e.subscription_id = @id ORDER BY e.completed_at DESC LIMIT @limit
            """, [("id", subscriptionId), ("limit", limit)],
            row => new SubscriptionExecutionRow(row.String("ticker"), row.String("action"), Execution(row)), cancellationToken);

    /// <summary>The subscriptions not cancelled, oldest first.</summary>
    public Task<List<LiveSubscription>> LiveSubscriptionsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT bot_id, account_id, subscription_id FROM bot_subscriptions WHERE status <> 'cancelled' ORDER BY created_at", [],
            row => new LiveSubscription(row.String(0), row.String(1), row.String(2)), cancellationToken);

    /// <summary>The signal <paramref name="signalId"/>, or null when it is not (yet) in the read tables.</summary>
    public async Task<SignalRow?> SignalAsync(string signalId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT * FROM bot_signals WHERE signal_id = @id", [("id", signalId)], Signal, cancellationToken)).FirstOrDefault();

    /// <summary>Every outcome of the signal <paramref name="signalId"/> recorded so far, in the order they were.</summary>
    public Task<List<ExecutionRow>> ExecutionsAsync(string signalId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM bot_signal_executions WHERE signal_id = @id ORDER BY completed_at", [("id", signalId)], Execution, cancellationToken);

    /// <summary>How many outcomes of the signal <paramref name="signalId"/> are recorded, by status, and of how many subscribers.</summary>
    public async Task<SignalOutcomes> SignalOutcomesAsync(string signalId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenReaderAsync(cancellationToken);
        var subscribers = await ReadAsync(connection, "SELECT subscribers FROM bot_signals WHERE signal_id = @id", [("id", signalId)], row => row.Int(0), cancellationToken);
        var statuses = await ReadAsync(connection, "SELECT status FROM bot_signal_executions WHERE signal_id = @id", [("id", signalId)], row => row.String(0), cancellationToken);
        return SignalOutcomes.Of(subscribers.Count > 0, subscribers.Count > 0 ? subscribers[0] : 0, statuses);
    }

    private static BotRow Bot(Columns row) => new(
        row.String("bot_id"), row.String("name"), row.String("description"), row.String("market_type"), row.String("master_webhook_path"),
        row.Int("default_leverage"), row.Decimal("default_margin_usd"), row.NullableDecimal("default_stop_loss_pct"), row.NullableDecimal("default_take_profit_pct"),
        row.Int("signal_ttl_seconds"), row.Bool("is_active"), row.Int("subscribers"), row.Time("created_at"), row.Time("updated_at"));

    private static ExchangeAccountRow ExchangeAccount(Columns row) => new(
        row.String("account_id"), row.String("owner_id"), row.String("exchange"), row.Bool("testnet"), row.String("api_key"), row.Bool("is_deleted"),
        row.Time("created_at"), row.Time("updated_at"));

    private static UserRow User(Columns row) => new(row.String("user_id"), row.String("name"), row.Time("created_at"));

    private static SubscriptionRow Subscription(Columns row) => new(
        row.String("subscription_id"), row.String("owner_id"), row.String("bot_id"), row.String("account_id"), row.String("exchange"),
        row.NullableInt("custom_leverage"), row.NullableDecimal("custom_margin_usd"), row.NullableDecimal("custom_stop_loss_pct"),
        row.NullableDecimal("custom_take_profit_pct"), row.NullableDecimal("max_daily_loss_usd"), row.NullableInt("max_concurrent_positions"), row.String("status"),
        row.Int("signals_received"), row.Int("orders_executed"), row.Int("orders_failed"), row.Int("orders_skipped"), row.NullableTime("last_signal_at"),
        row.Time("created_at"), row.Time("updated_at"));

    private static SignalRow Signal(Columns row) => new(
        row.String("signal_id"), row.String("bot_id"), row.String("ticker"), row.String("action"), row.NullableDecimal("alert_price"), row.NullableString("alert_id"),
        row.Time("accepted_at"), row.Int("subscribers"), row.NullableTime("fan_out_completed_at"));

    private static ExecutionRow Execution(Columns row) => new(
        row.String("signal_id"), row.String("subscription_id"), row.String("bot_id"), row.String("status"), row.NullableString("reason"),
        row.NullableString("exchange_order_id"), row.NullableDecimal("price"), row.NullableDecimal("quantity"), row.Long("elapsed_ms"), row.Time("completed_at"));

    private async Task<List<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<Columns, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenReaderAsync(cancellationToken);
        return await ReadAsync(connection, sql, parameters, read, cancellationToken);
    }

    private static async Task<List<T>> ReadAsync<T>(DbConnection connection, string sql, (string Name, object Value)[] parameters, Func<Columns, T> read,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = new Columns(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(columns));
        }

        return rows;
    }

    /// <summary>The current row of a reader, its values read as each store keeps them.</summary>
    private sealed class Columns(DbDataReader reader)
    {
        private Dictionary<string, int>? _ordinals;

        public string String(int ordinal) => reader.GetString(ordinal);

        public string String(string column) => reader.GetString(Ordinal(column));

        public string? NullableString(string column) => Value(column) is { } value ? (string)value : null;

        public int Int(int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

        public int Int(string column) => Int(Ordinal(column));

        public int? NullableInt(string column) => Value(column) is { } value ? Convert.ToInt32(value, CultureInfo.InvariantCulture) : null;

        public long Long(string column) => Convert.ToInt64(reader.GetValue(Ordinal(column)), CultureInfo.InvariantCulture);

        public bool Bool(string column) => reader.GetValue(Ordinal(column)) switch
        {
            bool flag => flag,
            var number => Convert.ToInt64(number, CultureInfo.InvariantCulture) != 0, // SQLite: 0 or 1
        };

        public decimal Decimal(string column) => ToDecimal(reader.GetValue(Ordinal(column)));

        public decimal? NullableDecimal(string column) => Value(column) is { } value ? ToDecimal(value) : null;

        public DateTimeOffset Time(string column) => ToTime(reader.GetValue(Ordinal(column)));

        public DateTimeOffset? NullableTime(string column) => Value(column) is { } value ? ToTime(value) : null;

        private object? Value(string column) => reader.IsDBNull(Ordinal(column)) ? null : reader.GetValue(Ordinal(column));

        private int Ordinal(string column)
        {
            if (_ordinals is null)
            {
                _ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    _ordinals[reader.GetName(i)] = i;
                }
            }

            return _ordinals[column];
        }

        // SQLite keeps decimals as text, exactly as written.
        private static decimal ToDecimal(object value) => value is string text
            ? decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : Convert.ToDecimal(value, CultureInfo.InvariantCulture);

        // SQLite keeps times as text with their offset; PostgreSQL gives a timestamptz as a UTC DateTime.
        private static DateTimeOffset ToTime(object value) => value switch
        {
            DateTimeOffset time => time,
            DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            _ => throw new InvalidCastException($"a time in the read tables is a {value.GetType().Name}"),
        };
    }
}
