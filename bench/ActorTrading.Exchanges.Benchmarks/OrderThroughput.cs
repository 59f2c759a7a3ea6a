using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;
using BenchmarkDotNet.Attributes;

namespace ActorTrading.Exchanges.Benchmarks;

/// <summary>
/// Signed market orders through one client against the in-process simulator on loopback, 8 in flight, 64 per
/// invocation (so the reported time is per order; orders/s = 1e9 / ns). Baseline: a bare pooled HttpClient
/// sending the same signed requests (HMAC inline, no limiter, clock, retry or mapping). Orders alternate buy
/// and sell so the position stays flat. The simulator shares the machine's cores with the client.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Disposed in [GlobalCleanup].")]
public class OrderThroughput
{
    private const int InFlight = 8;
    private const int PerWorker = 8;
    private const string Secret = "bench-secret";
    private static readonly byte[] SecretBytes = Encoding.UTF8.GetBytes(Secret);
    private SimulatorHost _simulator = null!;
    private HttpClient _bare = null!;
    private IExchangeAccount _binance = null!;
    private IExchangeAccount _bybit = null!;
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        var unlimited = new SimulatorLimits { BinanceWeightPerMinute = int.MaxValue / 2, BinanceOrdersPer10Seconds = int.MaxValue / 2, BinanceOrdersPerMinute = int.MaxValue / 2, BybitOrdersPerSecond = int.MaxValue / 2, BybitQueriesPerSecond = int.MaxValue / 2 };
        _simulator = SimulatorHost.StartAsync(unlimited).GetAwaiter().GetResult();
        _simulator.State.RegisterAccount("bench", Secret, 1_000_000_000m);
        var settings = new ExchangeClientSettings { BinanceBaseUrl = _simulator.BaseUrl, BybitBaseUrl = _simulator.BaseUrl, BybitIpRequestsPer5Seconds = int.MaxValue / 2 };
        var factory = new ExchangeAccountFactory(settings);
        var credentials = new ExchangeCredentials("bench", Secret, Testnet: true);
        _binance = factory.Create(ExchangeName.Binance, credentials);
        _bybit = factory.Create(ExchangeName.Bybit, credentials);

        // Learn the simulator's limits (exchangeInfo) and sync the clocks before measuring.
        _binance.GetSymbolFiltersAsync("BTCUSDT").GetAwaiter().GetResult();
        _bybit.GetSymbolFiltersAsync("BTCUSDT").GetAwaiter().GetResult();
        _bybit.GetBalanceAsync().GetAwaiter().GetResult();
        _bare = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 64 }) { BaseAddress = _simulator.BaseUrl };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _simulator.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = InFlight * PerWorker, Description = "Binance: bare HttpClient, same signed request")]
    public Task BinanceBare() => Blast(async id =>
    {
        var parameters = $"symbol=BTCUSDT&side={(id % 2 == 0 ? "BUY" : "SELL")}&type=MARKET&quantity=0.002&newClientOrderId=b{id}&newOrderRespType=RESULT&recvWindow=5000&timestamp={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/fapi/v1/order?{parameters}&signature={Sign(parameters)}");
        request.Headers.Add("X-MBX-APIKEY", "bench");
        using var response = await _bare.SendAsync(request);
        _ = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("baseline order failed: " + response.StatusCode);
        }
    });

    [Benchmark(OperationsPerInvoke = InFlight * PerWorker, Description = "Binance: BinanceClient.PlaceMarketOrderAsync")]
    public Task BinanceClient() => Blast(id =>
        _binance.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", id % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 0.002m, "c" + id.ToString(CultureInfo.InvariantCulture))));

    [Benchmark(OperationsPerInvoke = InFlight * PerWorker, Description = "Bybit: bare HttpClient, same signed create")]
    public Task BybitBare() => Blast(async id =>
    {
        var body = $"{{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"{(id % 2 == 0 ? "Buy" : "Sell")}\",\"orderType\":\"Market\",\"qty\":\"0.002\",\"positionIdx\":0,\"orderLinkId\":\"y{id}\"}}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v5/order/create") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-BAPI-API-KEY", "bench");
        request.Headers.Add("X-BAPI-TIMESTAMP", timestamp);
        request.Headers.Add("X-BAPI-RECV-WINDOW", "5000");
        request.Headers.Add("X-BAPI-SIGN", Sign(timestamp + "bench5000" + body));
        using var response = await _bare.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!text.StartsWith("{\"retCode\":0", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("baseline order failed: " + text);
        }
    });

    [Benchmark(OperationsPerInvoke = InFlight * PerWorker, Description = "Bybit: BybitClient.PlaceMarketOrderAsync (create + read-back)")]
    public Task BybitClient() => Blast(id =>
        _bybit.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", id % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 0.002m, "d" + id.ToString(CultureInfo.InvariantCulture))));

    private static string Sign(string payload) => Convert.ToHexStringLower(HMACSHA256.HashData(SecretBytes, Encoding.UTF8.GetBytes(payload)));

    private Task Blast(Func<long, Task> send) => Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
    {
        for (var i = 0; i < PerWorker; i++)
        {
            await send(Interlocked.Increment(ref _sequence));
        }
    }));
}
