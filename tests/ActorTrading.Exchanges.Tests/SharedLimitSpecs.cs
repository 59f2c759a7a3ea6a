using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// The venues count orders per account and per IP, not per client object (issue 16, Binance capacity): every client
/// of one API key on a host spends the same order windows, and the limits Binance publishes in exchangeInfo (fetched
/// once per host) pace every key. The clock is frozen, so no window rolls over locally; a full window fails the call
/// at once (no wait allowed), with nothing sent. The simulator's order log is the judge.
/// </summary>
public sealed class SharedLimitSpecs : IAsyncLifetime
{
    private const int OrderLimit = 10;
    // 90% headroom of the limit of 10.
    private const int Paced = 9;
    private static readonly ExchangeClientSettings Settings = TestClients.Settings with { MaxRateLimitWait = TimeSpan.Zero, MaxAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(5) };
    private readonly FixedTime _time = new(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    private SimulatorHost? _simulator;

    private SimulatorHost Simulator => _simulator ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync(new SimulatorLimits { BinanceOrdersPer10Seconds = OrderLimit, BybitOrdersPerSecond = OrderLimit });

    public async Task DisposeAsync() => await Simulator.DisposeAsync();

    [Fact]
    public async Task Two_binance_clients_of_one_key_spend_one_order_window_and_never_exceed_the_venues_limit()
    {
        var first = Binance("shared-key");
        var second = Binance("shared-key");
        await first.GetSymbolFiltersAsync("BTCUSDT");

        var placed = await PlaceAsync(first, "a", OrderLimit) + await PlaceAsync(second, "b", OrderLimit);

        placed.ShouldBe(Paced, "both clients together stay within the key's window");
        Simulator.State.Orders().Count(o => o.ApiKey == "shared-key").ShouldBe(Paced);
    }

    [Fact]
    public async Task The_order_limits_in_exchange_info_pace_every_binance_key_on_the_host_also_keys_that_did_not_fetch_it()
    {
        // The first client of the host is the one whose loader fills the host's filter cache, so the one that reads exchangeInfo.
        var fetching = Binance("key-fetching");
        var before = Binance("key-before");
        await fetching.GetSymbolFiltersAsync("BTCUSDT");
        var after = Binance("key-after");

        (await PlaceAsync(before, "before", OrderLimit)).ShouldBe(Paced, "a key in use before exchangeInfo was read");
        (await PlaceAsync(after, "after", OrderLimit)).ShouldBe(Paced, "a key first seen after exchangeInfo was read");
        Simulator.State.Orders().Count.ShouldBe(2 * Paced, "no order beyond the published limit reached the venue");
    }

    [Fact]
    public async Task Two_bybit_clients_of_one_key_spend_one_endpoint_window_and_never_exceed_the_venues_limit()
    {
        var first = Bybit("shared-uid");
        var second = Bybit("shared-uid");
        await first.GetSymbolFiltersAsync("BTCUSDT");

        var placed = await PlaceAsync(first, "a", OrderLimit) + await PlaceAsync(second, "b", OrderLimit);

        placed.ShouldBe(Paced, "both clients together stay within the key's create-order window");
        Simulator.State.Orders().Count(o => o.ApiKey == "shared-uid").ShouldBe(Paced);
    }

    private BinanceClient Binance(string apiKey) => new(Simulator.BaseUrl, Register(apiKey), Settings, _time, null);

    private BybitClient Bybit(string apiKey) => new(Simulator.BaseUrl, Register(apiKey), Settings, _time, null);

    private ExchangeCredentials Register(string apiKey)
    {
        Simulator.State.RegisterAccount(apiKey, "secret-" + apiKey);
        return new ExchangeCredentials(apiKey, "secret-" + apiKey, Testnet: true);
    }

    /// <summary>Places <paramref name="count"/> orders one after another; returns how many were placed. Every other one must
    /// have been held back by the client, never refused by the venue.</summary>
    private static async Task<int> PlaceAsync(IExchangeAccount client, string prefix, int count)
    {
        var placed = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                await client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, $"{prefix}-{i}"));
                placed++;
            }
            catch (ExchangeException e)
            {
                e.Code.ShouldBe(ExchangeErrorCodes.RateLimited, e.Message);
                e.VenueMessage.ShouldContain("reached; next capacity", customMessage: "held back by the client, not refused by the venue");
            }
        }

        return placed;
    }
}
