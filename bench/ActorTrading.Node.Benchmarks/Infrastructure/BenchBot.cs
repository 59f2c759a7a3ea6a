using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using ActorTrading.Trading;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// A bot and its paper subscriptions, created straight through the node's actor regions (as <c>--demo</c> does:
/// <c>RegisterAccount</c>, <c>CreateSubscription</c>, <c>AddSubscriber</c>), which is what the HTTP API does
/// after validation, without one HTTP round trip per entity. Each subscription has its own paper account
/// (its own API key), with the bot's defaults and no risk limits.
/// </summary>
public sealed class BenchBot
{
    /// <summary>10x, 100 USD margin, stop-loss 2 %, take-profit 4 %: at 64,000 USD a buy of 0.015 BTC.</summary>
    public static readonly TradingParameters Defaults = new(10, 100m, 2m, 4m);

    /// <summary>The README's example time-to-live.</summary>
    public static readonly TimeSpan SignalTimeToLive = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_askTimeout = TimeSpan.FromSeconds(60);

    private BenchBot(NodeRuntime runtime, string botId, string path, string secret)
    {
        Runtime = runtime;
        BotId = botId;
        Path = path;
        Secret = secret;
    }

    public NodeRuntime Runtime { get; }

    public string BotId { get; }

    /// <summary>The webhook path: <c>/api/v1/bots/webhook/master/{Path}</c>.</summary>
    public string Path { get; }

    public string Secret { get; }

    public string WebhookUri => $"/api/v1/bots/webhook/master/{Path}";

    public List<string> SubscriptionIds { get; } = [];

    public List<string> AccountIds { get; } = [];

    /// <summary>The paper API key of each subscription's account (<see cref="ActorTrading.Exchanges.Paper.PaperExchange.Account"/>).</summary>
    public List<string> ApiKeys { get; } = [];

    public static async Task<BenchBot> CreateAsync(NodeRuntime runtime, string name)
    {
        var botId = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        if (await runtime.ClaimRegistry.ClaimAsync(ClaimKeys.WebhookPath(botId), botId, CancellationToken.None) is not null)
        {
            throw new InvalidOperationException($"webhook path {botId} is taken");
        }

        Expect(await runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.CreateBot(botId, name, "benchmark bot", botId, BotEntity.HashSecret(secret), Defaults, SignalTimeToLive, replyTo), s_askTimeout), $"bot {botId}");
        return new BenchBot(runtime, botId, botId, secret);
    }

    /// <summary>The body of an alert as TradingView sends it (sent as <c>text/plain</c>).</summary>
    public string Alert(string action, string alertId) =>
        $$"""{"secret":"{{Secret}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}","price":"64000","alert_id":"{{alertId}}"}""";

    public StringContent AlertContent(string action, string alertId) => new(Alert(action, alertId), Encoding.UTF8, "text/plain");

    /// <summary>Names <paramref name="count"/> more subscriptions and their accounts (nothing is created yet).</summary>
    public (int From, int To) Plan(int count)
    {
        var from = SubscriptionIds.Count;
        for (var i = from; i < from + count; i++)
        {
            AccountIds.Add($"{BotId}-account-{i}");
            SubscriptionIds.Add($"{BotId}-sub-{i}");
            ApiKeys.Add($"{BotId}-key-{i}");
        }

        return (from, from + count);
    }

    /// <summary>Registers the planned accounts (<paramref name="parallelism"/> asks in flight: the journal batches them), on the
    /// paper exchange unless <paramref name="exchange"/> says otherwise (then with the secret <see cref="SecretOf"/>).</summary>
    public Task RegisterAccountsAsync((int From, int To) range, int parallelism = 256, ExchangeName exchange = ExchangeName.Paper) =>
        ForEachAsync(range, parallelism, async i => Expect(await Runtime.Accounts.Ask<object>(replyTo =>
            exchange == ExchangeName.Paper
                ? new AccountProtocol.RegisterAccount(AccountIds[i], "bench", ExchangeName.Paper, false, ApiKeys[i], "paper-secret", replyTo)
                : new AccountProtocol.RegisterAccount(AccountIds[i], "bench", exchange, true, ApiKeys[i], SecretOf(ApiKeys[i]), replyTo), s_askTimeout), AccountIds[i]));

    /// <summary>Creates the planned subscription entities.</summary>
    public Task CreateSubscriptionsAsync((int From, int To) range, int parallelism = 256, ExchangeName exchange = ExchangeName.Paper) =>
        ForEachAsync(range, parallelism, async i => Expect(await Runtime.Regions.Subscriptions.Ask<object>(
            replyTo => new SubscriptionProtocol.CreateSubscription(SubscriptionIds[i], "bench", BotId, AccountIds[i], exchange, ParameterOverrides.None, new RiskLimits(null, null), replyTo), s_askTimeout), SubscriptionIds[i]));

    /// <summary>The API secret of a bench account on a real venue's client (the simulator is told the same).</summary>
    public static string SecretOf(string apiKey) => "secret-" + apiKey;

    /// <summary>Adds them to the bot. The bot persists one <c>SubscriberAdded</c> per command, one write at a time
    /// (commands that arrive meanwhile are stashed), so only a few are sent at once: more would only sit in its stash.</summary>
    public Task AddSubscribersAsync((int From, int To) range, int parallelism = 8) =>
        ForEachAsync(range, parallelism, async i => Expect(await Runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.AddSubscriber(BotId, SubscriptionIds[i], replyTo), s_askTimeout), $"subscriber {SubscriptionIds[i]}"));

    /// <summary>All three steps for <paramref name="count"/> new subscriptions, each step timed.</summary>
    public async Task<string> AddPaperSubscriptionsAsync(int count)
    {
        var range = Plan(count);
        var started = Stopwatch.GetTimestamp();
        await RegisterAccountsAsync(range);
        var accounts = Stopwatch.GetElapsedTime(started);
        await CreateSubscriptionsAsync(range);
        var subscriptions = Stopwatch.GetElapsedTime(started) - accounts;
        await AddSubscribersAsync(range);
        var total = Stopwatch.GetElapsedTime(started);
        return $"{count:N0} accounts {accounts.TotalSeconds:F1} s, subscriptions {subscriptions.TotalSeconds:F1} s, AddSubscriber {(total - accounts - subscriptions).TotalSeconds:F1} s";
    }

    private static Task ForEachAsync((int From, int To) range, int parallelism, Func<int, Task> body) =>
        Parallel.ForEachAsync(Enumerable.Range(range.From, range.To - range.From), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) => await body(i));

    private static void Expect(object reply, string what)
    {
        if (reply is BotProtocol.Rejected rejected)
        {
            throw new InvalidOperationException($"{what}: {rejected.Kind} {rejected.Reason}");
        }
    }
}
