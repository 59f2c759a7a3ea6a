using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Paper;

using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>The node end to end over HTTP on loopback (Kestrel, SQLite file, paper exchange).</summary>
public sealed class WebhookSpecs : InProcessNodeSpecs
{
    private readonly FixedPrices _prices = new();

    protected override IPriceSource Prices => _prices;

    private async Task<(string BotPath, string Secret, string BotId)> BotWithSubscribersAsync()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Trend", master_webhook_path = "trend-1", default_leverage = 10, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4 }, HttpStatusCode.Created);
        var botId = bot.GetProperty("id").GetString()!;
        foreach (var (key, margin) in new[] { ("k1", (decimal?)null), ("k2", 250m) })
        {
            var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", testnet = false, api_key = key, secret_key = "paper-secret" }, HttpStatusCode.Created);
            account.TryGetProperty("secret_key", out _).ShouldBeFalse();
            await PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = account.GetProperty("id").GetString(), custom_margin_usd = margin }, HttpStatusCode.Created);
        }

        return ("trend-1", bot.GetProperty("master_secret").GetString()!, botId);
    }

    [Fact]
    public async Task A_tradingview_alert_sent_as_text_plain_is_acknowledged_and_traded_by_every_subscriber()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var (path, secret, _) = await BotWithSubscribersAsync();
        var alert = $$"""{"secret":"{{secret}}","ticker":"BINANCE:BTCUSDT.P","action":"buy","price":"64000","alert_id":"a-1"}""";

        var response = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait=5000", new StringContent(alert, Encoding.UTF8, "text/plain"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        var body = JsonDocument.Parse(text).RootElement;
        body.GetProperty("subscribers").GetInt32().ShouldBe(2);
        var stats = body.GetProperty("broadcast_stats");
        stats.GetProperty("successful_executions").GetInt32().ShouldBe(2);

        var signal = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{body.GetProperty("signal_id").GetString()}")).RootElement;
        var quantities = signal.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("quantity").GetDecimal()).Order().ToArray();
        quantities.ShouldBe([0.015m, 0.039m]);

        // The same alert again: the first signal's id, nothing traded twice.
        var again = JsonDocument.Parse(await (await Http.PostAsync($"/api/v1/bots/webhook/master/{path}", new StringContent(alert, Encoding.UTF8, "text/plain"))).Content.ReadAsStringAsync()).RootElement;
        again.GetProperty("signal_id").GetString().ShouldBe(body.GetProperty("signal_id").GetString());
        again.GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        (again.GetProperty("subscribers").GetInt32(), again.GetProperty("timestamp").GetString()).ShouldBe((2, body.GetProperty("timestamp").GetString()));
    }

    [Fact]
    public async Task Exit_short_leaves_a_long_open_with_the_reason_and_close_all_closes_it()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var (path, secret, _) = await BotWithSubscribersAsync();

        async Task<JsonElement> SignalAsync(string action, string alertId)
        {
            var response = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait=5000",
                new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"{{action}}","alert_id":"{{alertId}}"}""", Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
            var signalId = JsonDocument.Parse(text).RootElement.GetProperty("signal_id").GetString();
            return JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{signalId}")).RootElement;
        }

        (await SignalAsync("buy", "x-1")).GetProperty("executions").EnumerateArray().ShouldAllBe(e => e.GetProperty("status").GetString() == "executed");

        var exitShort = await SignalAsync("exit_short", "x-2");
        exitShort.GetProperty("action").GetString().ShouldBe("close_short");
        exitShort.GetProperty("executions").EnumerateArray().ShouldAllBe(e =>
            e.GetProperty("status").GetString() == "skipped" && e.GetProperty("reason").GetString() == "the signal exits short positions; this one is long");

        var closeAll = await SignalAsync("Close All", "x-3");
        closeAll.GetProperty("action").GetString().ShouldBe("close");
        closeAll.GetProperty("executions").EnumerateArray().ShouldAllBe(e => e.GetProperty("status").GetString() == "executed");
        (await SignalAsync("exit long", "x-4")).GetProperty("executions").EnumerateArray().ShouldAllBe(e =>
            e.GetProperty("status").GetString() == "skipped" && e.GetProperty("reason").GetString() == "no open position to close");
    }

    [Fact]
    public async Task A_paused_subscription_follows_the_bots_flip_to_flat_and_opens_nothing()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var bot = await PostAsync("/api/v1/bots", new { name = "Flipper", master_webhook_path = "flipper-1", default_leverage = 10, default_margin_usd = 100 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "pause-key", secret_key = "paper-secret" });
        var subscription = await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        var secret = bot.GetProperty("master_secret").GetString();

        async Task<JsonElement> OutcomeAsync(string action, string alertId)
        {
            var response = await Http.PostAsync("/api/v1/bots/webhook/master/flipper-1?wait=5000",
                new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"{{action}}","alert_id":"{{alertId}}"}""", Encoding.UTF8, "application/json"));
            var signalId = (await Json(response, HttpStatusCode.Accepted)).GetProperty("signal_id").GetString();
            return JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{signalId}")).RootElement.GetProperty("executions").EnumerateArray().Single();
        }

        (await OutcomeAsync("buy", "p-1")).GetProperty("status").GetString().ShouldBe("executed");
        var paused = await Http.PatchAsJsonAsync($"/api/v1/bot-subscriptions/{subscription.GetProperty("id").GetString()}", new { is_active = false });
        paused.StatusCode.ShouldBe(HttpStatusCode.OK, await paused.Content.ReadAsStringAsync());

        // The bot flips short: the paused subscription closes its long and opens nothing.
        var flip = await OutcomeAsync("sell", "p-2");
        (flip.GetProperty("status").GetString(), flip.GetProperty("reason").GetString()).ShouldBe(("executed", "position closed; not reopened: subscription paused"));
        (await Runtime.Paper.Account("pause-key").GetPositionsAsync()).ShouldAllBe(p => p.Quantity == 0);

        var again = await OutcomeAsync("sell", "p-3");
        (again.GetProperty("status").GetString(), again.GetProperty("reason").GetString()).ShouldBe(("skipped", "subscription paused"));
        (await Runtime.Paper.Account("pause-key").GetPositionsAsync()).ShouldAllBe(p => p.Quantity == 0);
    }

    [Fact]
    public async Task A_bad_alert_gets_a_clear_error_naming_the_field_and_changes_nothing()
    {
        var (path, secret, botId) = await BotWithSubscribersAsync();
        var malformed = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}", new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"hold"}""", Encoding.UTF8, "application/json"));
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await malformed.Content.ReadAsStringAsync()).ShouldContain("action");

        var wrongSecret = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}", new StringContent("""{"secret":"nope","ticker":"BTCUSDT","action":"buy"}""", Encoding.UTF8, "application/json"));
        wrongSecret.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var unknown = await Http.PostAsync("/api/v1/bots/webhook/master/no-such-path", new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"buy"}""", Encoding.UTF8, "application/json"));
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        foreach (var wait in new[] { "abc", "-1", "999999" })
        {
            var badWait = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait={wait}", new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"buy"}""", Encoding.UTF8, "text/plain"));
            badWait.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            JsonDocument.Parse(await badWait.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("wait", out _).ShouldBeTrue(wait);
        }

        var huge = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}", new StringContent(new string(' ', 20_000), Encoding.UTF8, "text/plain"));
        huge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);

        var bot = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/bots/{botId}")).RootElement;
        bot.GetProperty("signals_received").GetInt32().ShouldBe(0);
        (await Http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Paused_subscriptions_and_those_at_a_risk_limit_or_below_the_minimum_are_skipped_with_the_reason_and_the_others_trade()
    {
        _prices.Set("BTCUSDT", 64_000m);
        _prices.Set("ETHUSDT", 3_200m);
        var bot = await PostAsync("/api/v1/bots", new { name = "Gated", master_webhook_path = "gated", default_leverage = 10, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4 }, HttpStatusCode.Created);
        var subscriptionOf = new Dictionary<string, string>();
        foreach (var (key, settings) in new (string, object)[]
        {
            ("plain", new { }), ("paused", new { }), ("tiny", new { custom_margin_usd = 1 }), ("full", new { max_concurrent_positions = 1 }), ("lossy", new { max_daily_loss_usd = 5 }),
        })
        {
            var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", testnet = false, api_key = key, secret_key = "paper-secret" }, HttpStatusCode.Created);
            var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
            body["bot_id"] = bot.GetProperty("id").GetString();
            body["exchange_account_id"] = account.GetProperty("id").GetString();
            subscriptionOf[key] = (await PostAsync("/api/v1/bot-subscriptions", body, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }

        var paused = await Http.PatchAsJsonAsync($"/api/v1/bot-subscriptions/{subscriptionOf["paused"]}", new { is_active = false });
        paused.StatusCode.ShouldBe(HttpStatusCode.OK, await paused.Content.ReadAsStringAsync());

        // On the exchange, by hand: "full" holds an ETH position; "lossy" lost 6.4 USD today (0.1 ETH bought at 3,200, sold at 3,136).
        var paper = Runtime.Paper;
        await paper.Account("full").PlaceMarketOrderAsync(new MarketOrderRequest("ETHUSDT", OrderSide.Buy, 0.1m, "by-hand", false));
        await paper.Account("lossy").PlaceMarketOrderAsync(new MarketOrderRequest("ETHUSDT", OrderSide.Buy, 0.1m, "by-hand-1", false));
        _prices.Set("ETHUSDT", 3_136m);
        await paper.Account("lossy").PlaceMarketOrderAsync(new MarketOrderRequest("ETHUSDT", OrderSide.Sell, 0.1m, "by-hand-2", true));

        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""";
        var response = await Http.PostAsync("/api/v1/bots/webhook/master/gated?wait=5000", new StringContent(alert, Encoding.UTF8, "text/plain"));
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var stats = accepted.GetProperty("broadcast_stats");
        (stats.GetProperty("successful_executions").GetInt32(), stats.GetProperty("skipped_executions").GetInt32()).ShouldBe((1, 4));

        var signal = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{accepted.GetProperty("signal_id").GetString()}")).RootElement;
        var outcomes = signal.GetProperty("executions").EnumerateArray().ToDictionary(e => e.GetProperty("subscription_id").GetString()!, e => (Status: e.GetProperty("status").GetString(), Reason: e.GetProperty("reason").ToString()));
        outcomes[subscriptionOf["plain"]].Status.ShouldBe("executed");
        outcomes[subscriptionOf["paused"]].ShouldBe(("skipped", "subscription paused"));
        outcomes[subscriptionOf["tiny"]].Reason.ShouldContain("below the minimum");
        outcomes[subscriptionOf["full"]].ShouldBe(("skipped", "max concurrent positions reached"));
        outcomes[subscriptionOf["lossy"]].ShouldBe(("skipped", "daily loss limit reached"));
        (await paper.Account("plain").GetPositionsAsync()).Single().Quantity.ShouldBe(0.015m);
        foreach (var key in new[] { "paused", "tiny", "full", "lossy" })
        {
            paper.Account(key).Orders.ShouldAllBe(o => o.ClientOrderId.StartsWith("by-hand"), key);
        }

        // The subscription as its entity has it, in the fields of the list.
        var one = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/bot-subscriptions/{subscriptionOf["tiny"]}")).RootElement;
        (one.GetProperty("status").GetString(), one.GetProperty("custom_margin_usd").GetDecimal(), one.GetProperty("orders_skipped").GetInt32(), one.GetProperty("signals_received").GetInt32())
            .ShouldBe(("active", 1m, 1, 1));
        one.GetProperty("custom_leverage").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_subscription_that_crashes_on_every_message_does_not_stop_the_others_and_once_repaired_skips_the_late_signal_as_stale()
    {
        _prices.Set("BTCUSDT", 64_000m);
        var (path, secret, botId) = await BotWithSubscribersAsync();
        (await Http.PatchAsJsonAsync($"/api/v1/bots/{botId}", new { signal_ttl_seconds = 1 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var broken = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/bot-subscriptions")).RootElement.EnumerateArray().First().GetProperty("subscription_id").GetString()!;
        const string FirstEvent = "FROM event_journal WHERE persistence_id = 'subscription-' || $id AND sequence_nr = 1";

        // Its first event made unreadable while the node is down: from now on it fails to start, whatever it is sent.
        byte[] original = [];
        await WhileDownAsync(async journal => original = (byte[])(await ExecuteAsync(journal, "SELECT payload " + FirstEvent, ("$id", broken), scalar: true))!);
        await WhileDownAsync(journal => ExecuteAsync(journal, "UPDATE event_journal SET payload = X'7B' WHERE rowid IN (SELECT rowid " + FirstEvent + ")", ("$id", broken)));
        var alert = $$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"buy"}""";
        var response = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait=3000", new StringContent(alert, Encoding.UTF8, "text/plain"));
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var stats = accepted.GetProperty("broadcast_stats");
        (stats.GetProperty("successful_executions").GetInt32(), stats.GetProperty("pending").GetInt32()).ShouldBe((1, 1));

        // Repaired, and started again after the signal's time-to-live (1 s): the bot tells it the signal again, and it is not traded.
        var acceptedAt = DateTimeOffset.Parse(accepted.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await WhileDownAsync(async journal =>
        {
            await ExecuteAsync(journal, "UPDATE event_journal SET payload = $payload WHERE rowid IN (SELECT rowid " + FirstEvent + ")", ("$id", broken), ("$payload", original));
            await Task.Delay(acceptedAt.AddSeconds(1.5) - DateTimeOffset.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero);
        });
        JsonElement late = default;
        await Eventually.HoldsAsync(async () =>
            {
                var signal = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{accepted.GetProperty("signal_id").GetString()}")).RootElement;
                late = signal.GetProperty("executions").EnumerateArray().FirstOrDefault(e => e.GetProperty("subscription_id").GetString() == broken);
                return late.ValueKind != JsonValueKind.Undefined;
            }, "the repaired subscription's outcome", TimeSpan.FromSeconds(15));

        late.GetProperty("status").GetString().ShouldBe("skipped");
        late.GetProperty("reason").GetString()!.ShouldStartWith("stale signal:");
        Runtime.Paper.Account("k1").Orders.ShouldBeEmpty();
    }

    /// <summary>Stops the node, works on its journal file, and starts it again on the same data.</summary>
    private async Task WhileDownAsync(Func<Microsoft.Data.Sqlite.SqliteConnection, Task> work)
    {
        await StopNodeAsync();
        await using (var journal = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDirectory, "actortrading.db")}"))
        {
            await journal.OpenAsync();
            await work(journal);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await StartNodeAsync();
    }

    private static async Task<object?> ExecuteAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string sql, (string, object)? first = null, (string, object)? second = null, bool scalar = false)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in new[] { first, second }.OfType<(string, object)>())
        {
            command.Parameters.AddWithValue(name, value);
        }

        if (scalar)
        {
            return await command.ExecuteScalarAsync();
        }

        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        return null;
    }

    [Fact]
    public async Task A_subscription_patch_changes_what_it_names_clears_what_it_sets_to_null_and_refuses_unknown_or_mistyped_fields()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Patched", master_webhook_path = "patched", default_leverage = 10, default_margin_usd = 100 }, HttpStatusCode.Created);
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", testnet = false, api_key = "patched", secret_key = "paper-secret" }, HttpStatusCode.Created);
        var id = (await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString(),
            custom_leverage = 20, custom_margin_usd = 250, max_daily_loss_usd = 50 }, HttpStatusCode.Created)).GetProperty("id").GetString();
        async Task<(HttpStatusCode, JsonElement)> PatchAsync(string json)
        {
            var response = await Http.PatchAsync($"/api/v1/bot-subscriptions/{id}", new StringContent(json, Encoding.UTF8, "application/json"));
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        // Back to the bot's leverage, a position limit added, the rest kept.
        var (status, patched) = await PatchAsync("""{"custom_leverage":null,"max_concurrent_positions":3}""");
        status.ShouldBe(HttpStatusCode.OK, patched.ToString());
        patched.GetProperty("custom_leverage").ValueKind.ShouldBe(JsonValueKind.Null);
        (patched.GetProperty("custom_margin_usd").GetDecimal(), patched.GetProperty("max_daily_loss_usd").GetDecimal(), patched.GetProperty("max_concurrent_positions").GetInt32())
            .ShouldBe((250m, 50m, 3));

        // A typo, a string for a number and an override of zero: each named, nothing changed.
        (status, var refused) = await PatchAsync("""{"custom_levrage":5,"custom_margin_usd":"lots","custom_leverage":0,"is_active":"no"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        refused.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["custom_levrage", "custom_margin_usd", "custom_leverage", "is_active"], ignoreOrder: true);
        var now = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/bot-subscriptions/{id}")).RootElement;
        (now.GetProperty("custom_leverage").ValueKind, now.GetProperty("custom_margin_usd").GetDecimal(), now.GetProperty("status").GetString()).ShouldBe((JsonValueKind.Null, 250m, "active"));
    }

    [Fact]
    public async Task The_admin_api_needs_the_token_and_validates_every_field()
    {
        using var anonymous = new HttpClient { BaseAddress = Http.BaseAddress };
        (await anonymous.GetAsync("/api/v1/bots")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var invalid = await PostAsync("/api/v1/bots", new { name = "", default_leverage = 0, default_margin_usd = -1 }, HttpStatusCode.BadRequest);
        var fields = invalid.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
        fields.ShouldBe(["name", "default_leverage", "default_margin_usd"], ignoreOrder: true);

        var (_, _, botId) = await BotWithSubscribersAsync();
        var badOverride = await PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = "x", custom_leverage = 0 }, HttpStatusCode.BadRequest);
        badOverride.GetProperty("errors").TryGetProperty("custom_leverage", out _).ShouldBeTrue();
        (await PostAsync("/api/v1/bots", new { name = "Again", master_webhook_path = "trend-1", default_leverage = 5, default_margin_usd = 10 }, HttpStatusCode.Conflict))
            .GetProperty("detail").GetString()!.ShouldContain("trend-1");
    }
}
