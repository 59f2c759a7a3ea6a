using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Node.Tests;

/// <summary>A webhook signal trades through the real Binance and Bybit clients against the simulator on loopback.</summary>
public sealed class RealExchangeSpecs : InProcessNodeSpecs
{
    private SimulatorHost _simulator = null!;

    protected override ExchangeClientSettings Exchanges => new() { BinanceBaseUrl = _simulator.BaseUrl, BybitBaseUrl = _simulator.BaseUrl };

    public override async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
        _simulator.State.RegisterAccount("binance-key", "binance-secret");
        _simulator.State.RegisterAccount("bybit-key", "bybit-secret");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task A_webhook_signal_trades_on_binance_and_bybit_with_leverage_market_order_stop_loss_and_take_profit_and_is_recorded()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "Real", master_webhook_path = "real-1", default_leverage = 10, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4 });
        var subscriptions = new Dictionary<string, string>();
        foreach (var (exchange, key) in new[] { ("binance", "binance-key"), ("bybit", "bybit-key") })
        {
            var account = await PostAsync("/api/v1/exchange-accounts", new { exchange, testnet = true, api_key = key, secret_key = key.Replace("key", "secret", StringComparison.Ordinal) });
            var subscription = await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
            subscriptions[key] = subscription.GetProperty("id").GetString()!;
        }

        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""";
        var response = await Http.PostAsync("/api/v1/bots/webhook/master/real-1?wait=10000", new StringContent(alert, Encoding.UTF8, "text/plain"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        var accepted = JsonDocument.Parse(text).RootElement;
        accepted.GetProperty("broadcast_stats").GetProperty("successful_executions").GetInt32().ShouldBe(2, text);
        var signalId = accepted.GetProperty("signal_id").GetString()!;

        foreach (var (key, subscriptionId) in subscriptions)
        {
            var orders = _simulator.State.Orders().Where(o => o.ApiKey == key).ToList();
            // The market order, then its stop-loss and take-profit, sent at once (either may arrive first).
            orders.Select(o => o.ClientOrderId).First().ShouldBe(ClientOrderIds.For(subscriptionId, signalId, ClientOrderIds.Legs.Open), key);
            orders.Skip(1).Select(o => o.ClientOrderId).ShouldBe([
                ClientOrderIds.For(subscriptionId, signalId, ClientOrderIds.Legs.StopLoss),
                ClientOrderIds.For(subscriptionId, signalId, ClientOrderIds.Legs.TakeProfit)], ignoreOrder: true, key);
            orders[0].Quantity.ShouldBe(0.015m, key);
            _simulator.State.LeverageOf(_simulator.State.Account(key.StartsWith("binance", StringComparison.Ordinal) ? Venue.Binance : Venue.Bybit, key)!, "BTCUSDT").ShouldBe(10, key);
        }

        var signal = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/signals/{signalId}")).RootElement;
        signal.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("status").GetString()).ShouldBe(["executed", "executed"]);
    }
}
