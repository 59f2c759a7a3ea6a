using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// Public market data is read once per (venue host, symbol) per node (issue 16, Binance capacity): before, every
/// subscription's market read asked for the mark price through its own account, a hundred requests for one fact.
/// </summary>
public abstract class MarkPriceSpecs : IAsyncLifetime
{
    private const int Accounts = 100;

    /// <summary>Time for a cold first request on a busy machine: a retry would be a second request.</summary>
    protected static readonly ExchangeClientSettings Settings = TestClients.Settings with { RequestTimeout = TimeSpan.FromSeconds(10) };
    private SimulatorHost? _simulator;

    protected abstract ExchangeName Exchange { get; }

    protected abstract string MarkPricePath { get; }

    protected SimulatorHost Simulator => _simulator ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
    }

    public async Task DisposeAsync() => await Simulator.DisposeAsync();

    [Fact]
    public async Task A_hundred_accounts_reading_one_symbol_at_once_cost_one_mark_price_request()
    {
        var accounts = Enumerable.Range(0, Accounts).Select(i => TestClients.Create(Exchange, Simulator, $"mark-{i}", Settings)).ToList();

        var prices = await Task.WhenAll(accounts.Select(a => a.GetMarkPriceAsync("BTCUSDT")));

        prices.ShouldAllBe(p => p == 64_000m);
        Simulator.State.RequestCount(MarkPricePath).ShouldBe(1);
    }

    [Fact]
    public async Task A_mark_price_is_served_for_a_second_then_read_again()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var first = Client("first", time);
        var second = Client("second", time);
        (await first.GetMarkPriceAsync("BTCUSDT")).ShouldBe(64_000m);
        Simulator.State.SetPrice("BTCUSDT", 65_000m);

        time.Advance(TimeSpan.FromMilliseconds(999));
        (await second.GetMarkPriceAsync("BTCUSDT")).ShouldBe(64_000m, "read 999 ms ago: still fresh");
        Simulator.State.RequestCount(MarkPricePath).ShouldBe(1);

        time.Advance(TimeSpan.FromMilliseconds(1));
        (await second.GetMarkPriceAsync("BTCUSDT")).ShouldBe(65_000m, "read a second ago: read again");
        Simulator.State.RequestCount(MarkPricePath).ShouldBe(2);
    }

    /// <summary>A client on the host's pooled connection (so sharing the host's state) with its own clock.</summary>
    protected abstract IExchangeAccount Create(ExchangeCredentials credentials, TimeProvider time);

    private IExchangeAccount Client(string apiKey, TimeProvider time)
    {
        Simulator.State.RegisterAccount(apiKey, "secret-" + apiKey);
        return Create(new ExchangeCredentials(apiKey, "secret-" + apiKey, Testnet: true), time);
    }
}

public sealed class BinanceMarkPriceSpecs : MarkPriceSpecs
{
    protected override ExchangeName Exchange => ExchangeName.Binance;

    protected override string MarkPricePath => "/fapi/v1/premiumIndex";

    protected override IExchangeAccount Create(ExchangeCredentials credentials, TimeProvider time) =>
        new BinanceClient(Simulator.BaseUrl, credentials, Settings, time, null);
}

public sealed class BybitMarkPriceSpecs : MarkPriceSpecs
{
    protected override ExchangeName Exchange => ExchangeName.Bybit;

    protected override string MarkPricePath => "/v5/market/tickers";

    protected override IExchangeAccount Create(ExchangeCredentials credentials, TimeProvider time) =>
        new BybitClient(Simulator.BaseUrl, credentials, Settings, time, null);
}

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
