using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorTrading.Exchanges.Paper;

namespace ActorTrading.Node.Tests;

/// <summary>Users and their tokens: a user sees and changes only their own accounts and subscriptions.</summary>
public sealed class UserSpecs : InProcessNodeSpecs
{
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
