using System.Text.Json;
using ActorTrading.Domain;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>
/// A node process killed in the middle of a fan-out, on the real Binance client against the simulator: after its restart
/// every subscription ends with one outcome (I1) and no order is placed twice (I2), although nothing was stored of the
/// orders that were on their way when it died.
/// </summary>
public sealed class NodeCrashSpecs : IAsyncLifetime
{
    private const int Subscribers = 12;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-crash-" + Guid.NewGuid().ToString("N"));
    private SimulatorHost _simulator = null!;
    private NodeProcess? _node;

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
        for (var i = 0; i < Subscribers; i++)
        {
            _simulator.State.RegisterAccount($"key-{i}", $"secret-{i}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        await _simulator.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task A_node_killed_in_the_middle_of_a_fan_out_finishes_it_after_its_restart_with_one_outcome_and_no_order_twice()
    {
        _node = await NodeProcess.StartAsync(_dataDirectory, _simulator.BaseUrl);
        var bot = await _node.PostAsync("/api/v1/bots", new { name = "Crash", master_webhook_path = "crash-1", default_leverage = 5, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4,
            signal_ttl_seconds = 3600 });
        var subscriptions = new Dictionary<string, string>();
        for (var i = 0; i < Subscribers; i++)
        {
            var account = await _node.PostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = $"key-{i}", secret_key = $"secret-{i}" });
            var subscription = await _node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
            subscriptions[$"key-{i}"] = subscription.GetProperty("id").GetString()!;
        }

        // Every stop-loss and take-profit (Binance's algo orders) waits 1 s before the simulator executes it (a call cut off
        // by the client is not executed); market orders fill at once.
        _simulator.State.Faults = new FaultSettings { LatencyRate = 1, LatencyMs = 1_000, PathPrefix = "/fapi/v1/algoOrder" };
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""";
        var accepted = await _node.PostAlertAsync("/api/v1/bots/webhook/master/crash-1", alert);
        var signalId = accepted.GetProperty("signal_id").GetString()!;

        // Killed once every market order has filled: their stop-loss and take-profit are on their way, no outcome is stored.
        await Eventually.HoldsAsync(() => _simulator.State.Orders().Count(o => o.Type == "MARKET") == Subscribers, "every market order filled", TimeSpan.FromSeconds(30));
        await _node.DisposeAsync(); // a kill, no graceful stop
        _simulator.State.Orders().Count(o => o.Type != "MARKET").ShouldBeLessThan(2 * Subscribers, "some subscriptions were in the middle of their orders");
        _simulator.State.Faults = new FaultSettings();

        _node = await NodeProcess.StartAsync(_dataDirectory, _simulator.BaseUrl);
        JsonElement signal = default;
        await Eventually.HoldsAsync(async () =>
        {
            signal = await _node.GetAsync($"/api/v1/signals/{signalId}");
            return signal.GetProperty("executions").GetArrayLength() == Subscribers;
        }, $"{Subscribers} outcomes for {signalId}", TimeSpan.FromSeconds(60));

        var executions = signal.GetProperty("executions").EnumerateArray().ToList();
        executions.ShouldAllBe(e => e.GetProperty("status").GetString() == "executed");
        foreach (var (key, subscriptionId) in subscriptions)
        {
            var orders = _simulator.State.Orders().Where(o => o.ApiKey == key).ToList();
            orders.Select(o => o.ClientOrderId).OrderBy(id => id, StringComparer.Ordinal).ShouldBe(
                new[] { ClientOrderIds.Legs.Open, ClientOrderIds.Legs.StopLoss, ClientOrderIds.Legs.TakeProfit }
                    .Select(leg => ClientOrderIds.For(subscriptionId, signalId, leg)).OrderBy(id => id, StringComparer.Ordinal),
                $"orders of {key}");
            var open = orders.Single(o => o.ClientOrderId == ClientOrderIds.For(subscriptionId, signalId, ClientOrderIds.Legs.Open));
            executions.Single(e => e.GetProperty("subscription_id").GetString() == subscriptionId).GetProperty("exchange_order_id").GetString()
                .ShouldBe(open.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
