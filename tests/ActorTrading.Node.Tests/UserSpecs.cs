using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorTrading.Exchanges.Paper;

namespace ActorTrading.Node.Tests;

/// <summary>Users and their tokens: a user sees and changes only their own accounts and subscriptions.</summary>
public sealed class UserSpecs : InProcessNodeSpecs
{
    [Fact]
    public async Task Every_creation_answers_a_location_that_reads_it_back_and_the_admin_lists_users_without_tokens()
    {
        using var admin = Client(AdminToken);
        async Task<(string Id, JsonElement Read)> CreatedAsync(HttpClient client, string path, object body)
        {
            using var created = await client.PostAsJsonAsync(path, body);
            var id = (await Json(created, HttpStatusCode.Created)).GetProperty("id").GetString();
            created.Headers.Location.ShouldNotBeNull();
            created.Headers.Location.OriginalString.ShouldBe($"{path}/{id}");
            // The read tables follow the journal a moment behind.
            JsonElement read = default;
            await ActorTrading.TestSupport.Eventually.HoldsAsync(async () =>
            {
                using var again = await client.GetAsync(created.Headers.Location);
                if (again.StatusCode == HttpStatusCode.NotFound)
                {
                    return false;
                }

                read = await Json(again, HttpStatusCode.OK);
                return true;
            }, $"{path}/{id} reads back", TimeSpan.FromSeconds(10));
            return (id ?? "", read);
        }

        var (botId, _) = await CreatedAsync(admin, "/api/v1/bots", new { name = "L", master_webhook_path = "location-bot", default_leverage = 5, default_margin_usd = 50 });
        var (_, carol) = await CreatedAsync(admin, "/api/v1/users", new { name = "carol" });
        carol.GetProperty("name").GetString().ShouldBe("carol");
        var token = (await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "dave" }), HttpStatusCode.Created)).GetProperty("api_token").GetString()!;
        using var asDave = Client(token);
        var (accountId, account) = await CreatedAsync(asDave, "/api/v1/exchange-accounts", new { exchange = "paper", api_key = "dave-key", secret_key = "s" });
        account.TryGetProperty("secret_key", out _).ShouldBeFalse();
        var erin = (await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "erin" }), HttpStatusCode.Created)).GetProperty("api_token").GetString()!;
        using var asErin = Client(erin);
        await Json(await asErin.GetAsync($"/api/v1/exchange-accounts/{accountId}"), HttpStatusCode.NotFound);
        var (_, subscription) = await CreatedAsync(asDave, "/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = accountId });
        subscription.GetProperty("status").GetString().ShouldBe("active");

        var users = await Json(await admin.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        users.EnumerateArray().Select(u => u.GetProperty("name").GetString()).ShouldBe(["carol", "dave", "erin"]);
        users.GetRawText().ShouldNotContain("token");
        await Json(await asDave.GetAsync("/api/v1/users"), HttpStatusCode.Forbidden);

        var health = await Json(await admin.GetAsync("/api/v1/bots/health"), HttpStatusCode.OK);
        (health.GetProperty("active_bots").GetInt32(), health.GetProperty("active_subscriptions").GetInt32()).ShouldBe((1, 1));
        health.GetProperty("last_signal_at").ValueKind.ShouldBe(JsonValueKind.Null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_subscriber_reads_each_of_their_outcomes_with_its_reason_and_nobody_else_can()
    {
        using var admin = Client(AdminToken);
        var bot = await Json(await admin.PostAsJsonAsync("/api/v1/bots", new { name = "O", master_webhook_path = "outcomes-bot", default_leverage = 5, default_margin_usd = 50 }), HttpStatusCode.Created);
        var frank = (await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "frank" }), HttpStatusCode.Created)).GetProperty("api_token").GetString()!;
        var grace = (await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "grace" }), HttpStatusCode.Created)).GetProperty("api_token").GetString()!;
        using var asFrank = Client(frank);
        using var asGrace = Client(grace);
        var account = await Json(await asFrank.PostAsJsonAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "frank-key", secret_key = "s" }), HttpStatusCode.Created);
        var subscriptionId = (await Json(await asFrank.PostAsJsonAsync("/api/v1/bot-subscriptions",
            new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() }), HttpStatusCode.Created)).GetProperty("id").GetString();

        // A close with nothing open: skipped, and the owner can read why.
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BTCUSDT","action":"close"}""";
        var signalId = (await Json(await Http.PostAsync("/api/v1/bots/webhook/master/outcomes-bot?wait=5000", new StringContent(alert, System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.Accepted)).GetProperty("signal_id").GetString();
        JsonElement outcomes = default;
        await ActorTrading.TestSupport.Eventually.HoldsAsync(async () =>
        {
            outcomes = await Json(await asFrank.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}/executions"), HttpStatusCode.OK);
            return outcomes.GetArrayLength() == 1;
        }, "the outcome in the owner's list", TimeSpan.FromSeconds(10));
        var outcome = outcomes[0];
        (outcome.GetProperty("signal_id").GetString(), outcome.GetProperty("ticker").GetString(), outcome.GetProperty("action").GetString()).ShouldBe((signalId, "BTCUSDT", "close"));
        (outcome.GetProperty("status").GetString(), outcome.GetProperty("reason").GetString()).ShouldBe(("skipped", "no open position to close"));

        await Json(await asGrace.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}/executions"), HttpStatusCode.NotFound);
        (await Json(await admin.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}/executions?limit=1"), HttpStatusCode.OK)).GetArrayLength().ShouldBe(1);
        await Json(await admin.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}/executions?limit=0"), HttpStatusCode.BadRequest);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_user_sees_and_changes_only_their_own_accounts_and_subscriptions()
    {
        using var admin = Client(AdminToken);
        var bot = await Json(await admin.PostAsJsonAsync("/api/v1/bots", new { name = "B", master_webhook_path = "users-bot", default_leverage = 5, default_margin_usd = 50 }), HttpStatusCode.Created);
        var alice = await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "alice" }), HttpStatusCode.Created);
        var bob = await Json(await admin.PostAsJsonAsync("/api/v1/users", new { name = "bob" }), HttpStatusCode.Created);
        using var asAlice = Client(alice.GetProperty("api_token").GetString()!);
        using var asBob = Client(bob.GetProperty("api_token").GetString()!);

        var account = await Json(await asAlice.PostAsJsonAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "alice-key", secret_key = "s" }), HttpStatusCode.Created);
        var accountId = account.GetProperty("id").GetString();

        // Bob can neither use Alice's account nor see it.
        await Json(await asBob.PostAsJsonAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = accountId }), HttpStatusCode.BadRequest);
        var subscription = await Json(await asAlice.PostAsJsonAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = accountId }), HttpStatusCode.Created);
        var subscriptionId = subscription.GetProperty("id").GetString();

        (await Json(await asBob.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK)).GetArrayLength().ShouldBe(0);
        await Json(await asBob.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}"), HttpStatusCode.NotFound);
        await Json(await asBob.DeleteAsync($"/api/v1/bot-subscriptions/{subscriptionId}"), HttpStatusCode.NotFound);
        (await Json(await asAlice.GetAsync($"/api/v1/bot-subscriptions/{subscriptionId}"), HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("active");

        // Users read the bots (to subscribe), without their webhook path, and cannot touch what belongs to the operator.
        var listed = (await Json(await asAlice.GetAsync("/api/v1/bots"), HttpStatusCode.OK)).EnumerateArray().Single();
        (listed.GetProperty("bot_id").GetString(), listed.GetProperty("master_webhook_path").ValueKind).ShouldBe((bot.GetProperty("id").GetString(), JsonValueKind.Null));
        var one = await Json(await asBob.GetAsync($"/api/v1/bots/{bot.GetProperty("id").GetString()}"), HttpStatusCode.OK);
        (one.GetProperty("name").GetString(), one.GetProperty("master_webhook_path").ValueKind).ShouldBe(("B", JsonValueKind.Null));
        await Json(await asBob.GetAsync("/api/v1/bots/no-such-bot"), HttpStatusCode.NotFound);
        (await Json(await admin.GetAsync("/api/v1/bots"), HttpStatusCode.OK)).EnumerateArray().Single().GetProperty("master_webhook_path").GetString().ShouldBe("users-bot");
        await Json(await asAlice.PatchAsJsonAsync($"/api/v1/bots/{bot.GetProperty("id").GetString()}", new { is_active = false }), HttpStatusCode.Forbidden);
        await Json(await asAlice.PostAsJsonAsync("/api/v1/bots", new { name = "mine" }), HttpStatusCode.Forbidden);
        await Json(await asAlice.PostAsJsonAsync("/api/v1/users", new { name = "eve" }), HttpStatusCode.Forbidden);
        using var stranger = Client("at_user_not-a-real-token");
        await Json(await stranger.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.Unauthorized);
    }
}
