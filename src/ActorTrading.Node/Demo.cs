using System.Security.Cryptography;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using ActorTrading.Trading;

namespace ActorTrading.Node;

/// <summary><c>--demo</c>: a demo bot with three paper subscriptions (one with its own leverage and margin), and the curl that fires it.</summary>
internal static class Demo
{
    private const string Path = "demo";

    public static async Task CreateAsync(WebApplication app, NodeRuntime runtime)
    {
        var address = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5000";
        var timeout = runtime.Options.AskTimeout;
        var botId = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        if (await runtime.ClaimRegistry.ClaimAsync(ClaimKeys.WebhookPath(Path), botId, CancellationToken.None) is { } existing)
        {
            Console.WriteLine($"actortrading: demo bot {existing.Owner} already exists; its secret was printed when it was created");
            return;
        }

        await runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.CreateBot(botId, "Demo trend bot", "paper trading demo", Path, BotEntity.HashSecret(secret),
            new TradingParameters(10, 100m, 2m, 4m), TimeSpan.FromMinutes(1), replyTo), timeout);
        var overrides = new[] { ParameterOverrides.None, new ParameterOverrides(Leverage: 20, MarginUsd: 250m), ParameterOverrides.None };
        for (var i = 0; i < overrides.Length; i++)
        {
            var accountId = $"{botId}-account-{i + 1}";
            var subscriptionId = $"{botId}-subscription-{i + 1}";
            await runtime.Accounts.Ask<object>(replyTo => new AccountProtocol.RegisterAccount(accountId, "demo", ExchangeName.Paper, false, $"paper-demo-{i + 1}", "paper", replyTo), timeout);
            await runtime.ClaimRegistry.ClaimAsync(ClaimKeys.Subscription(botId, accountId), subscriptionId, CancellationToken.None);
            await runtime.Regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CreateSubscription(subscriptionId, "demo", botId, accountId, ExchangeName.Paper,
                overrides[i], new RiskLimits(MaxDailyLossUsd: 500m, MaxConcurrentPositions: 3), replyTo), timeout);
            await runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.AddSubscriber(botId, subscriptionId, replyTo), timeout);
        }

        Console.WriteLine($$"""
            actortrading: demo bot '{{botId}}' with 3 paper subscriptions (the second with 20x leverage and 250 USD margin).
            Fire a signal:
              curl -s -X POST '{{address}}/api/v1/bots/webhook/master/{{Path}}?wait=2000' -H 'Content-Type: text/plain' \
                -d '{"secret":"{{secret}}","ticker":"BINANCE:BTCUSDT.P","action":"buy","price":"64000"}'
            """);
    }
}
