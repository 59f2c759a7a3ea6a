using ActorTrading.ExchangeSimulator;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// A close cancels the stop-loss and take-profit of the last open (issue 16, Binance capacity). Binance keeps them on
/// the algo endpoint; a cancel that tried the plain endpoint first cost two requests more per close, a sixth of a
/// signal's requests at 10,000 subscriptions.
/// </summary>
public sealed class BinanceCancelSpecs : IAsyncLifetime
{
    private SimulatorHost? _simulator;

    private SimulatorHost Simulator => _simulator ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await Simulator.DisposeAsync();

    [Fact]
    public async Task Cancelling_a_stop_loss_this_client_placed_asks_the_algo_endpoint_only()
    {
        var account = TestClients.Create(ExchangeName.Binance, Simulator, settings: TestClients.Settings with { RequestTimeout = TimeSpan.FromSeconds(10) });
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "entry-1"));
        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 59000m, "sl-1"));
        var (orders, algo) = (Simulator.State.RequestCount("/fapi/v1/order"), Simulator.State.RequestCount("/fapi/v1/algoOrder"));

        await account.CancelOrderAsync("BTCUSDT", "sl-1");

        Simulator.State.RequestCount("/fapi/v1/order").ShouldBe(orders, "no request to the plain order endpoint");
        Simulator.State.RequestCount("/fapi/v1/algoOrder").ShouldBe(algo + 1);
        Simulator.State.Orders().Single(o => o.ClientOrderId == "sl-1").Status.ShouldBe("CANCELED");
    }
}
