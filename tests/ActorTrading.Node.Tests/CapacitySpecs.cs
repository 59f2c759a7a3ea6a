using System.Net;
using System.Text;
using System.Text.Json;
using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Transport;
using ActorTrading.TestSupport;
using ActorTrading.Trading;

namespace ActorTrading.Node.Tests;

/// <summary>
/// Many Binance subscriptions within the venue's documented limits (issue 16): the simulator counts the documented
/// weights against its 2,400 a minute per IP. Before, every subscription read the realized profit and loss (weight 30)
/// and every account fetched exchangeInfo and the server time, and 100 subscriptions failed 90 of their orders.
/// </summary>
public sealed class CapacitySpecs : InProcessNodeSpecs
{
    private const int Subscribers = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private SimulatorHost _simulator = null!;

    protected override ExchangeClientSettings Exchanges => new() { BinanceBaseUrl = _simulator.BaseUrl, BybitBaseUrl = _simulator.BaseUrl };

    public override async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync(new SimulatorLimits());
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task A_hundred_binance_subscriptions_within_the_venues_weight_limit_all_trade_the_first_signal_with_their_protection()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Many", master_webhook_path = "many", default_leverage = 10, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4 });
        var botId = bot.GetProperty("id").GetString() ?? "";
        var subscriptions = new List<string>();
        for (var i = 0; i < Subscribers; i++)
        {
            var (key, accountId, subscriptionId) = ($"many-key-{i}", $"many-account-{i}", $"many-subscription-{i}");
            _simulator.State.RegisterAccount(key, "secret-" + key);
            (await Runtime.Accounts.Ask<object>(replyTo => new AccountProtocol.RegisterAccount(accountId, "admin", ExchangeName.Binance, true, key, "secret-" + key, replyTo), Timeout))
                .ShouldNotBeOfType<BotProtocol.Rejected>();
            (await Runtime.Regions.Subscriptions.Ask<object>(replyTo => new SubscriptionProtocol.CreateSubscription(subscriptionId, "admin", botId, accountId, ExchangeName.Binance,
                ParameterOverrides.None, new RiskLimits(null, null), replyTo), Timeout)).ShouldNotBeOfType<BotProtocol.Rejected>();
            (await Runtime.Regions.Bots.Ask<object>(replyTo => new BotProtocol.AddSubscriber(botId, subscriptionId, replyTo), Timeout)).ShouldBeOfType<BotProtocol.Ok>();
            subscriptions.Add(subscriptionId);
        }

        // As a sender should: the same alert id again after a 503 (a slow machine), until it is acknowledged.
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy","alert_id":"many-1"}""";
        HttpResponseMessage? answer = null;
        await Eventually.HoldsAsync(async () => (answer = await Http.PostAsync("/api/v1/bots/webhook/master/many", new StringContent(alert, Encoding.UTF8, "text/plain")))
            .StatusCode != HttpStatusCode.ServiceUnavailable, "the signal to be acknowledged", Timeout);
        var signalId = (await Json(answer ?? throw new InvalidOperationException("no answer"), HttpStatusCode.Accepted)).GetProperty("signal_id").GetString() ?? "";

        JsonElement signal = default;
        await Eventually.HoldsAsync(async () =>
            {
                signal = await ProjectedSignalAsync(signalId) ?? default;
                return signal.ValueKind == JsonValueKind.Object && signal.GetProperty("broadcast_stats").GetProperty("pending").GetInt32() == 0;
            }, "every subscription's outcome", TimeSpan.FromSeconds(120), () => signal.ToString());

        signal.GetProperty("executions").EnumerateArray().Where(e => e.GetProperty("status").GetString() != "executed")
            .Select(e => $"{e.GetProperty("status").GetString()}: {e.GetProperty("reason")}").ShouldBeEmpty();
        var orders = _simulator.State.Orders().Select(o => o.ClientOrderId).ToHashSet(StringComparer.Ordinal);
        subscriptions.SelectMany(s => new[] { ClientOrderIds.Legs.Open, ClientOrderIds.Legs.StopLoss, ClientOrderIds.Legs.TakeProfit }.Select(leg => ClientOrderIds.For(s, signalId, leg)))
            .Where(id => !orders.Contains(id)).ShouldBeEmpty("every subscription's market order, stop-loss and take-profit");
    }
}
