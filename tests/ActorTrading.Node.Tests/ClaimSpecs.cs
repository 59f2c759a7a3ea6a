using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.Actors;
using ActorTrading.Actors.Sharding;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using ActorTrading.TestSupport;
using ActorTrading.Trading;

namespace ActorTrading.Node.Tests;

/// <summary>
/// What must be unique across nodes (webhook paths, token hashes, one subscription per bot and account) is decided by
/// claim entities, the same wherever they run, and looked up there on every request: never an index a node loaded at its
/// start (issue 16). The cluster's "a bot created through node A is served at once by node B" stands on this.
/// </summary>
public sealed class ClaimSpecs : InProcessNodeSpecs
{
    // The guessing spec presents 50 unknown tokens: above the default brute-force limit, which is not what it is about.
    protected override string[] Settings => ["--ActorTrading:FailedAttemptLimit", "100"];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_bot_and_a_user_written_through_the_entities_as_another_node_would_are_served_at_once_and_after_a_restart()
    {
        // Written as another node's API would write them: claims and entities, nothing this node's API or memory sees.
        var (botId, secret) = ("elsewhere-bot", "0123456789abcdef");
        (await Runtime.Claims.Ask<object>(replyTo => new ClaimProtocol.Claim(ClaimKeys.WebhookPath("elsewhere"), botId, replyTo), Timeout)).ShouldBeOfType<ClaimProtocol.Claimed>();
        (await Runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.CreateBot(botId, "Elsewhere", "", "elsewhere", BotEntity.HashSecret(secret),
            new TradingParameters(5, 50m, null, null), TimeSpan.FromMinutes(1), replyTo), Timeout)).ShouldBeOfType<BotProtocol.Ok>();
        var token = "at_user_" + new string('7', 48);
        (await Runtime.Claims.Ask<object>(replyTo => new ClaimProtocol.Claim(ClaimKeys.UserToken(TokenHash.Sha256(token)), "elsewhere-user", replyTo), Timeout)).ShouldBeOfType<ClaimProtocol.Claimed>();
        (await Runtime.Users.Ask<object>(replyTo => new UserProtocol.CreateUser("elsewhere-user", "carol", TokenHash.Sha256(token), replyTo), Timeout)).ShouldBeOfType<UserProtocol.Ok>();

        await ServedAsync();
        await StopNodeAsync();
        await StartNodeAsync();
        await ServedAsync();

        async Task ServedAsync()
        {
            var alert = $$"""{"secret":"{{secret}}","ticker":"BINANCE:BTCUSDT.P","action":"buy","price":"64000","alert_id":"{{Guid.NewGuid():N}}"}""";
            await Json(await Http.PostAsync("/api/v1/bots/webhook/master/elsewhere", new StringContent(alert, Encoding.UTF8, "text/plain")), HttpStatusCode.Accepted);
            using var carol = Client(token);
            await Json(await carol.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Two_creations_of_one_webhook_path_at_the_same_moment_give_one_201_and_one_409_naming_the_field()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            Http.PostAsJsonAsync("/api/v1/bots", new { name = $"Twin {i}", master_webhook_path = "twin", default_leverage = 5, default_margin_usd = 50 })));

        answers.Select(a => a.StatusCode).Order().ShouldBe([HttpStatusCode.Created, HttpStatusCode.Conflict]);
        var conflict = await Json(answers.Single(a => a.StatusCode == HttpStatusCode.Conflict), HttpStatusCode.Conflict);
        conflict.GetProperty("errors").TryGetProperty("master_webhook_path", out _).ShouldBeTrue(conflict.ToString());
        var created = await Json(answers.Single(a => a.StatusCode == HttpStatusCode.Created), HttpStatusCode.Created);
        (await Runtime.WebhookPaths.BotIdAsync("twin", CancellationToken.None)).ShouldBe(created.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_second_subscription_of_one_account_to_one_bot_is_refused_naming_the_account_until_the_first_is_cancelled()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Once", master_webhook_path = "once", default_leverage = 5, default_margin_usd = 50 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "once-key", secret_key = "s" });
        var request = new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() };
        var first = await PostAsync("/api/v1/bot-subscriptions", request);

        var second = await PostAsync("/api/v1/bot-subscriptions", request, HttpStatusCode.Conflict);
        second.GetProperty("errors").TryGetProperty("exchange_account_id", out _).ShouldBeTrue(second.ToString());
        await Json(await Http.DeleteAsync($"/api/v1/bot-subscriptions/{first.GetProperty("id").GetString()}"), HttpStatusCode.NoContent);
        var third = await PostAsync("/api/v1/bot-subscriptions", request);

        third.GetProperty("id").GetString().ShouldNotBe(first.GetProperty("id").GetString());
        await Eventually.HoldsAsync(async () => (await ReadSubscriptionsAsync()).Select(r => r.GetProperty("status").GetString()).Order().SequenceEqual(["active", "cancelled"]),
            "the read table to have the cancelled subscription and the one active", Timeout);
    }

    [Fact]
    public async Task A_claim_held_by_a_cancelled_subscription_passes_to_the_next_one()
    {
        // As if the cancel was cut short after the subscription was cancelled and before its claim was released.
        var bot = await PostAsync("/api/v1/bots", new { name = "Cut", master_webhook_path = "cut", default_leverage = 5, default_margin_usd = 50 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "cut-key", secret_key = "s" });
        var request = new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() };
        var first = (await PostAsync("/api/v1/bot-subscriptions", request)).GetProperty("id").GetString()!;
        (await Runtime.Regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CancelSubscription(first, replyTo), Timeout)).ShouldNotBeOfType<BotProtocol.Rejected>();

        await PostAsync("/api/v1/bot-subscriptions", request);
    }

    [Fact]
    public async Task A_guessed_subscription_id_answers_404_without_starting_an_entity_and_a_guessed_token_leaves_no_claim_in_memory()
    {
        var guesses = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var guess in guesses)
        {
            await Json(await Http.GetAsync($"/api/v1/bot-subscriptions/{guess}"), HttpStatusCode.NotFound);
            using var guesser = Client("at_user_" + guess);
            await Json(await guesser.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.Unauthorized);
        }

        (await EntityIdsAsync(Runtime.Regions.Subscriptions)).Intersect(guesses).ShouldBeEmpty();
        var tokenKeys = guesses.Select(g => ClaimKeys.UserToken(TokenHash.Sha256("at_user_" + g))).ToHashSet();
        await Eventually.HoldsAsync(async () => !(await EntityIdsAsync(Runtime.Claims)).Overlaps(tokenKeys), "the guessed tokens' claims to be passivated", Timeout);
    }

    [Fact]
    public async Task A_subscriptions_claim_leaves_memory_once_it_answered_and_still_refuses_a_second_subscription()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Idle", master_webhook_path = "idle-claim", default_leverage = 5, default_margin_usd = 50 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "idle-key", secret_key = "s" });
        var request = new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() };
        await PostAsync("/api/v1/bot-subscriptions", request);
        var key = ClaimKeys.Subscription(request.bot_id!, request.exchange_account_id!);

        await Eventually.HoldsAsync(async () => !(await EntityIdsAsync(Runtime.Claims)).Contains(key), "the subscription's claim to be passivated", Timeout);
        await Json(await Http.PostAsJsonAsync("/api/v1/bot-subscriptions", request), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task What_an_earlier_version_created_without_claims_is_claimed_once_at_start()
    {
        // An earlier version wrote the user and the bot's subscriptions with no claim, and no marker that claims were made.
        var token = "at_user_" + new string('5', 48);
        (await Runtime.Users.Ask<object>(replyTo => new UserProtocol.CreateUser("old-user", "dave", TokenHash.Sha256(token), replyTo), Timeout)).ShouldBeOfType<UserProtocol.Ok>();
        var bot = await PostAsync("/api/v1/bots", new { name = "Old", master_webhook_path = "old", default_leverage = 5, default_margin_usd = 50 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "old-key", secret_key = "s" });
        var (botId, accountId) = (bot.GetProperty("id").GetString()!, account.GetProperty("id").GetString()!);
        (await Runtime.Regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CreateSubscription("old-subscription", "admin", botId, accountId, ExchangeName.Paper,
            ParameterOverrides.None, new RiskLimits(null, null), replyTo), Timeout)).ShouldNotBeOfType<BotProtocol.Rejected>();
        (await Runtime.Claims.Ask<object>(replyTo => new ClaimProtocol.Release(ClaimKeys.Backfilled, "done", replyTo), Timeout)).ShouldBeOfType<ClaimProtocol.Released>();
        await Eventually.HoldsAsync(async () => (await ReadSubscriptionsAsync()).Length == 1, "the read model to have the subscription", Timeout);

        await StopNodeAsync();
        await StartNodeAsync();

        using var dave = Client(token);
        await Json(await dave.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK);
        var again = await PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = accountId }, HttpStatusCode.Conflict);
        again.GetProperty("detail").ToString().ShouldContain("old-subscription");
    }

    private async Task<JsonElement[]> ReadSubscriptionsAsync() =>
        (await Json(await Http.GetAsync("/api/v1/bot-subscriptions"), HttpStatusCode.OK)).EnumerateArray().ToArray();

    private static async Task<HashSet<string>> EntityIdsAsync(IActorRef region) =>
        (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Timeout)).Shards.SelectMany(s => s.EntityIds).ToHashSet(StringComparer.Ordinal);
}
