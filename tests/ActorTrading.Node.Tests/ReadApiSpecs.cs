using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>What the API reads from the read tables: each row under its table's column names, in their order, values as
/// JSON types whatever the store, and a user's lists holding only what they own.</summary>
public sealed class ReadApiSpecs : InProcessNodeSpecs
{
    private static readonly string[] BotColumns =
    [
        "bot_id", "name", "description", "market_type", "master_webhook_path", "default_leverage", "default_margin_usd", "default_stop_loss_pct",
        "default_take_profit_pct", "signal_ttl_seconds", "is_active", "subscribers", "created_at", "updated_at",
    ];

    private static readonly string[] AccountColumns = ["account_id", "owner_id", "exchange", "testnet", "api_key", "is_deleted", "created_at", "updated_at"];

    private static readonly string[] SubscriptionColumns =
    [
        "subscription_id", "owner_id", "bot_id", "account_id", "exchange", "custom_leverage", "custom_margin_usd", "custom_stop_loss_pct",
        "custom_take_profit_pct", "max_daily_loss_usd", "max_concurrent_positions", "status", "signals_received", "orders_executed", "orders_failed",
        "orders_skipped", "last_signal_at", "created_at", "updated_at",
    ];

    private static readonly string[] SignalFields =
    [
        "signal_id", "bot_id", "ticker", "action", "alert_price", "alert_id", "accepted_at", "subscribers", "fan_out_completed_at", "broadcast_stats", "executions",
    ];

    private static readonly string[] ExecutionColumns =
        ["signal_id", "subscription_id", "bot_id", "status", "reason", "exchange_order_id", "price", "quantity", "elapsed_ms", "completed_at"];

    [Fact]
    public async Task Lists_and_signals_show_each_read_table_row_under_its_column_names_and_a_user_only_their_own()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Shape", master_webhook_path = "shape", default_leverage = 5, default_margin_usd = 50.5m, default_stop_loss_pct = 2.25m });
        var botId = bot.GetProperty("id").GetString();
        var alice = await PostAsync("/api/v1/users", new { name = "alice" });
        using var asAlice = Client(alice.GetProperty("api_token").GetString() ?? "");
        var mine = await Json(await asAlice.PostAsJsonAsync("/api/v1/exchange-accounts", new { exchange = "paper", testnet = true, api_key = "alice-key", secret_key = "s" }), HttpStatusCode.Created);
        var theirs = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "admin-key", secret_key = "s" });
        await Json(await asAlice.PostAsJsonAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = mine.GetProperty("id").GetString(), custom_margin_usd = 60.75m }),
            HttpStatusCode.Created);
        await PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = theirs.GetProperty("id").GetString() });
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BTCUSDT","action":"buy","price":64000.5,"alert_id":"shape-1"}""";
        var accepted = await Json(await Http.PostAsync("/api/v1/bots/webhook/master/shape?wait=5000", new StringContent(alert, Encoding.UTF8, "application/json")), HttpStatusCode.Accepted);
        var signalId = accepted.GetProperty("signal_id").GetString() ?? "";
        JsonElement signal = default;
        await Eventually.HoldsAsync(async () => await ProjectedSignalAsync(signalId) is { } read && (signal = read).GetProperty("executions").GetArrayLength() == 2,
            "both outcomes in the read tables", TimeSpan.FromSeconds(15));

        var bots = (await Json(await Http.GetAsync("/api/v1/bots"), HttpStatusCode.OK)).EnumerateArray().ToArray();
        Names(bots.Single()).ShouldBe(BotColumns);
        var row = bots.Single();
        (row.GetProperty("default_margin_usd").GetDecimal(), row.GetProperty("default_stop_loss_pct").GetDecimal(), row.GetProperty("default_take_profit_pct").ValueKind)
            .ShouldBe((50.5m, 2.25m, JsonValueKind.Null));
        (row.GetProperty("is_active").ValueKind, row.GetProperty("subscribers").GetInt32(), row.GetProperty("master_webhook_path").GetString()).ShouldBe((JsonValueKind.True, 2, "shape"));
        row.GetProperty("created_at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5));

        var accounts = (await Json(await Http.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK)).EnumerateArray().ToArray();
        accounts.Length.ShouldBe(2);
        Names(accounts[0]).ShouldBe(AccountColumns);
        var aliceAccounts = (await Json(await asAlice.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK)).EnumerateArray().ToArray();
        aliceAccounts.Select(a => (a.GetProperty("api_key").GetString(), a.GetProperty("testnet").ValueKind, a.GetProperty("is_deleted").ValueKind))
            .ShouldBe([("alice-key", JsonValueKind.True, JsonValueKind.False)]);

        var subscriptions = (await Json(await Http.GetAsync("/api/v1/bot-subscriptions"), HttpStatusCode.OK)).EnumerateArray().ToArray();
        subscriptions.Length.ShouldBe(2);
        Names(subscriptions[0]).ShouldBe(SubscriptionColumns);
        var aliceSubscription = (await Json(await asAlice.GetAsync("/api/v1/bot-subscriptions"), HttpStatusCode.OK)).EnumerateArray().Single();
        (aliceSubscription.GetProperty("custom_margin_usd").GetDecimal(), aliceSubscription.GetProperty("custom_leverage").ValueKind, aliceSubscription.GetProperty("signals_received").GetInt32())
            .ShouldBe((60.75m, JsonValueKind.Null, 1));

        Names(signal).ShouldBe(SignalFields);
        (signal.GetProperty("alert_price").GetDecimal(), signal.GetProperty("alert_id").GetString(), signal.GetProperty("action").GetString()).ShouldBe((64000.5m, "shape-1", "buy"));
        Names(signal.GetProperty("executions")[0]).ShouldBe(ExecutionColumns);
        var stats = signal.GetProperty("broadcast_stats");
        (stats.GetProperty("total_subscribers").GetInt32(), stats.GetProperty("successful_executions").GetInt32(), stats.GetProperty("pending").GetInt32(),
            stats.GetProperty("duration_ms").ValueKind).ShouldBe((2, 2, 0, JsonValueKind.Null));
        accepted.GetProperty("broadcast_stats").GetProperty("total_subscribers").GetInt32().ShouldBe(2);
    }

    private static string[] Names(JsonElement row) => [.. row.EnumerateObject().Select(property => property.Name)];
}
