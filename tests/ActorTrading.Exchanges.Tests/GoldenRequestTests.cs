using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>The exact requests we send, pinned: a typo in a wire name is a lost order.</summary>
public sealed class GoldenRequestTests
{
    private const long Now = 1700000000000;
    private static readonly ExchangeCredentials Credentials = new("XXXXXXXXXX", "XXXXXXXXXX", false);
    private static readonly ExchangeClientSettings Settings = new() { MaxAttempts = 1 };

    [Fact]
    public async Task Binance_market_order_is_one_signed_query_string()
    {
        var handler = new RecordingHandler(request => request.RequestUri!.AbsolutePath switch
        {
            "/fapi/v1/time" => (200, $"{{\"serverTime\":{Now}}}"),
            _ => (200, Fixtures.Body(Fixtures.Binance, "new_order_market_filled_result")),
        });
        var client = new BinanceClient(new Uri("http://127.0.0.1:9"), Credentials, Settings, new FixedTime(Now), new HttpClient(handler));

        await client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.002m, "copy-0001"));

        var order = handler.Requests.Last();
        order.Method.ShouldBe(HttpMethod.Post);
        const string Parameters = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.002&newClientOrderId=copy-0001&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000000";
        order.PathAndQuery.ShouldBe("/fapi/v1/order?" + Parameters + "&signature=" + new HmacSigner("XXXXXXXXXX").Hex(Parameters));
        order.Headers["X-MBX-APIKEY"].ShouldBe("XXXXXXXXXX");
        order.Body.ShouldBeEmpty();
    }

    [Fact]
    public async Task Binance_reduce_only_close_and_stop_loss_are_pinned()
    {
        var handler = new RecordingHandler(request => request.RequestUri!.AbsolutePath switch
        {
            "/fapi/v1/time" => (200, $"{{\"serverTime\":{Now}}}"),
            "/fapi/v1/algoOrder" => (200, Fixtures.Body(Fixtures.Binance, "new_algo_order_documented")),
            _ => (200, Fixtures.Body(Fixtures.Binance, "new_order_market_filled_result")),
        });
        var client = new BinanceClient(new Uri("http://127.0.0.1:9"), Credentials, Settings, new FixedTime(Now), new HttpClient(handler));

        await client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Sell, 0.002m, "close-1", ReduceOnly: true));
        await client.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 60000m, "copy-sl-0001"));

        handler.Requests[^2].PathAndQuery.ShouldStartWith("/fapi/v1/order?symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.002&reduceOnly=true&newClientOrderId=close-1&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000000&signature=");
        handler.Requests[^1].PathAndQuery.ShouldStartWith("/fapi/v1/algoOrder?algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=60000&workingType=MARK_PRICE&closePosition=true&clientAlgoId=copy-sl-0001&recvWindow=5000&timestamp=1700000000000&signature=");
    }

    [Fact]
    public async Task Bybit_market_order_is_the_derived_vector_with_its_headers()
    {
        var example = Fixtures.Signature(Fixtures.Bybit, "bybit_hmac_derived_linear_market_order");
        var handler = new RecordingHandler(request => request.RequestUri!.AbsolutePath switch
        {
            "/v5/market/time" => (200, $"{{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{{\"timeSecond\":\"1700000000\",\"timeNano\":\"{Now}000000\"}},\"time\":{Now}}}"),
            "/v5/order/create" => (200, Fixtures.Body(Fixtures.Bybit, "order_create_documented")),
            _ => (200, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\",\"list\":[]},\"time\":1}"),
        });
        var client = new BybitClient(new Uri("http://127.0.0.1:9"), Credentials, Settings, new FixedTime(Now), new HttpClient(handler));

        await client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.001m, "copy-0001"));

        var create = handler.Requests.Single(r => r.PathAndQuery == "/v5/order/create");
        create.Body.ShouldBe(example.GetProperty("http").GetProperty("body").GetString());
        create.Headers["X-BAPI-API-KEY"].ShouldBe("XXXXXXXXXX");
        create.Headers["X-BAPI-TIMESTAMP"].ShouldBe("1700000000000");
        create.Headers["X-BAPI-RECV-WINDOW"].ShouldBe("5000");
        create.Headers["X-BAPI-SIGN"].ShouldBe(example.GetProperty("expected_signature").GetString());
        handler.Requests.Last().PathAndQuery.ShouldBe("/v5/order/realtime?category=linear&symbol=BTCUSDT&orderLinkId=copy-0001");
    }

    [Fact]
    public void Bybit_stop_loss_leverage_and_cancel_bodies_are_pinned()
    {
        BybitMapper.NewProtectiveOrder(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 59000.5m, "sl-1")).ShouldBe(
            "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"orderType\":\"Market\",\"qty\":\"0\",\"triggerPrice\":\"59000.5\",\"triggerDirection\":2,\"triggerBy\":\"MarkPrice\",\"positionIdx\":0,\"orderLinkId\":\"sl-1\",\"reduceOnly\":true,\"closeOnTrigger\":true}");
        BybitMapper.NewProtectiveOrder(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Buy, ProtectiveKind.StopLoss, 61000m, "sl-2")).ShouldContain("\"triggerDirection\":1");
        BybitMapper.NewMarketOrder(new MarketOrderRequest("ETHUSDT", OrderSide.Sell, 0.5m, "c-1", ReduceOnly: true)).ShouldBe(
            "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Sell\",\"orderType\":\"Market\",\"qty\":\"0.5\",\"positionIdx\":0,\"orderLinkId\":\"c-1\",\"reduceOnly\":true}");
        BybitMapper.SetLeverage("BTCUSDT", 6).ShouldBe("{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"buyLeverage\":\"6\",\"sellLeverage\":\"6\"}");
        BybitMapper.Cancel("BTCUSDT", "linear-004").ShouldBe("{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"linear-004\"}");
    }
}
