using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;
using BenchmarkDotNet.Attributes;

namespace ActorTrading.Exchanges.Benchmarks;

/// <summary>
/// The client's own CPU cost per order request, no network: mapping our order to the venue's parameters,
/// signing, and reading the venue's answer into ours. Baseline: a bare HMAC-SHA256 hex of the same payload.
/// </summary>
[MemoryDiagnoser]
public class ClientCost
{
    private const string BinanceAnswer = "{\"orderId\":4087922100,\"symbol\":\"BTCUSDT\",\"status\":\"FILLED\",\"clientOrderId\":\"copy-0001\",\"price\":\"0.00\",\"avgPrice\":\"64050.20\",\"origQty\":\"0.002\",\"executedQty\":\"0.002\",\"cumQty\":\"0.002\",\"cumQuote\":\"128.10040\",\"timeInForce\":\"GTC\",\"type\":\"MARKET\",\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\",\"positionSide\":\"BOTH\",\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"MARKET\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"EXPIRE_MAKER\",\"goodTillDate\":0,\"updateTime\":1739781900000}";
    private const string Payload = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.002&newClientOrderId=copy-0001&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000000";
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("XXXXXXXXXX");
    private static readonly MarketOrderRequest Order = new("BTCUSDT", OrderSide.Buy, 0.002m, "copy-0001");
    private readonly BinanceTransport _binance = new(new Uri("http://127.0.0.1:1"), new ExchangeCredentials("XXXXXXXXXX", "XXXXXXXXXX", false), new ExchangeClientSettings(), TimeProvider.System, new HttpClient());
    private readonly BybitTransport _bybit = new(new Uri("http://127.0.0.1:1"), new ExchangeCredentials("XXXXXXXXXX", "XXXXXXXXXX", false), new ExchangeClientSettings(), TimeProvider.System, new HttpClient());

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet runs instance methods.")]
    [Benchmark(Baseline = true, Description = "bare HMAC-SHA256 hex of the Binance payload")]
    public string BareHmac() => Convert.ToHexStringLower(HMACSHA256.HashData(Secret, Encoding.UTF8.GetBytes(Payload)));

    [Benchmark(Description = "Binance: map + sign + parse answer")]
    public ExchangeOrder Binance()
    {
        var line = _binance.SignedPathAndQuery("/fapi/v1/order", BinanceMapper.NewMarketOrder(Order).ToString(), 1700000000000);
        return line.Length > 0 ? BinanceMapper.ToOrder(JsonSerializer.Deserialize(BinanceAnswer, BinanceJson.Default.BinanceOrder)!) : null!;
    }

    [Benchmark(Description = "Bybit: map (JSON body) + sign")]
    public string Bybit() => _bybit.Signature(1700000000000, BybitMapper.NewMarketOrder(Order));
}
