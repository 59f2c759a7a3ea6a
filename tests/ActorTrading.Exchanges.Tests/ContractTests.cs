using System.Net;
using System.Text.Json;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>The documented signature examples reproduce, the documented bodies parse, every error code maps to its class.</summary>
public sealed class ContractTests
{
    [Theory]
    [InlineData("binance_hmac_example_1_query_string")]
    [InlineData("binance_hmac_example_2_request_body")]
    [InlineData("binance_hmac_example_3_mixed_as_printed")]
    [InlineData("binance_hmac_example_3_mixed_as_transmitted")]
    public void Binance_documented_signature_examples_reproduce(string id)
    {
        var example = Fixtures.Signature(Fixtures.Binance, id);
        var signer = new HmacSigner(example.GetProperty("secret").GetString()!);

        signer.Hex(example.GetProperty("signed_string").GetString()!).ShouldBe(example.GetProperty("expected_signature").GetString());
    }

    [Fact]
    public void Binance_transport_signs_totalParams_as_the_docs_example_1()
    {
        var example = Fixtures.Signature(Fixtures.Binance, "binance_hmac_example_1_query_string");
        var transport = new BinanceTransport(
            new Uri("http://127.0.0.1:1"),
            new ExchangeCredentials(example.GetProperty("api_key").GetString()!, example.GetProperty("secret").GetString()!, false),
            new ExchangeClientSettings(),
            TimeProvider.System,
            new HttpClient());

        var line = transport.SignedPathAndQuery("/fapi/v1/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC", 1591702613943);

        line.ShouldBe("/fapi/v1/order?" + example.GetProperty("signed_string").GetString() + "&signature=" + example.GetProperty("expected_signature").GetString());
    }

    [Theory]
    [InlineData("bybit_hmac_derived_get")]
    [InlineData("bybit_hmac_derived_post")]
    [InlineData("bybit_hmac_derived_linear_market_order")]
    public void Bybit_signature_is_timestamp_key_window_payload(string id)
    {
        var example = Fixtures.Signature(Fixtures.Bybit, id);
        var http = example.GetProperty("http");
        var payload = http.TryGetProperty("query_string", out var query) ? query.GetString()! : http.GetProperty("body").GetString()!;
        var transport = new BybitTransport(
            new Uri("http://127.0.0.1:1"),
            new ExchangeCredentials(example.GetProperty("api_key").GetString()!, example.GetProperty("secret").GetString()!, false),
            new ExchangeClientSettings { ReceiveWindowMs = int.Parse(example.GetProperty("recv_window").GetString()!, System.Globalization.CultureInfo.InvariantCulture) },
            TimeProvider.System,
            new HttpClient());

        transport.Signature(long.Parse(example.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture), payload)
            .ShouldBe(example.GetProperty("expected_signature").GetString());
    }

    [Theory]
    [InlineData("bybit_hmac_doc_get")]
    [InlineData("bybit_hmac_doc_post")]
    public void Bybit_documented_signed_strings_are_built_by_concatenation(string id)
    {
        // The secret behind Bybit's published signatures is not published: only the string construction is checkable.
        var example = Fixtures.Signature(Fixtures.Bybit, id);
        var http = example.GetProperty("http");
        var payload = http.TryGetProperty("query_string", out var query) ? query.GetString()! : http.GetProperty("body").GetString()!;
        var signer = new HmacSigner("any");
        var transport = new BybitTransport(new Uri("http://127.0.0.1:1"), new ExchangeCredentials("XXXXXXXXXX", "any", false), new ExchangeClientSettings(), TimeProvider.System, new HttpClient());

        transport.Signature(long.Parse(example.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture), payload)
            .ShouldBe(signer.Hex(example.GetProperty("signed_string").GetString()!));
    }

    [Fact]
    public void Bybit_market_order_body_is_byte_for_byte_the_derived_vector()
    {
        var example = Fixtures.Signature(Fixtures.Bybit, "bybit_hmac_derived_linear_market_order");

        BybitMapper.NewMarketOrder(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.001m, "copy-0001"))
            .ShouldBe(example.GetProperty("http").GetProperty("body").GetString());
    }

    [Fact]
    public void Binance_documented_responses_parse()
    {
        var filled = BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "new_order_market_filled_result"), BinanceJson.Default.BinanceOrder)!);
        filled.ShouldBe(new ExchangeOrder("BTCUSDT", "copy-0001", "4087922100", OrderSide.Buy, OrderStatus.Filled, 0.002m, 0.002m, 64050.20m, false));

        var ack = BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "new_order_ack_documented"), BinanceJson.Default.BinanceOrder)!);
        ack.Status.ShouldBe(OrderStatus.New);
        ack.Quantity.ShouldBe(10m);

        var queried = BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "query_order_documented"), BinanceJson.Default.BinanceOrder)!);
        queried.ClientOrderId.ShouldBe("abc");
        BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "cancel_order_documented"), BinanceJson.Default.BinanceOrder)!).Status.ShouldBe(OrderStatus.Canceled);

        var algo = BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "new_algo_order_documented"), BinanceJson.Default.BinanceAlgoOrder)!);
        algo.ExchangeOrderId.ShouldBe("2146760");
        algo.Status.ShouldBe(OrderStatus.New);
        var triggered = BinanceMapper.ToOrder(JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "query_algo_order_triggered_fixture"), BinanceJson.Default.BinanceAlgoOrder)!);
        triggered.Status.ShouldBe(OrderStatus.Filled);
        triggered.AveragePrice.ShouldBe(69067.6m);

        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "server_time"), BinanceJson.Default.BinanceServerTime)!.ServerTime.ShouldBe(1499827319559);
        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "mark_price_documented"), BinanceJson.Default.BinancePremiumIndex)!.MarkPrice.ShouldBe("11793.63104562");
        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "change_leverage_documented"), BinanceJson.Default.BinanceLeverage)!.Leverage.ShouldBe(21);
        var positions = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "position_risk_v3_documented"), BinanceJson.Default.IReadOnlyListBinancePositionRisk)!;
        BinanceMapper.ToPosition(positions[0]).ShouldBe(new Position("ADAUSDT", 30m, 0.385m, 0.764277m, 0));
        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "balance_v3_documented"), BinanceJson.Default.IReadOnlyListBinanceBalance)![0].AvailableBalance.ShouldBe("23.72469206");

        foreach (var name in new[] { "exchange_info_symbol_documented", "exchange_info_symbol_btcusdt" })
        {
            var symbol = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, name), BinanceJson.Default.BinanceExchangeInfo.Options.GetTypeInfo(typeof(BinanceSymbol)));
            BinanceMapper.ToFilters((BinanceSymbol)symbol!).StepSize.ShouldBeGreaterThan(0m);
        }

        var btc = (BinanceSymbol)JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Binance, "exchange_info_symbol_btcusdt"), BinanceJson.Default.Options.GetTypeInfo(typeof(BinanceSymbol)))!;
        BinanceMapper.ToFilters(btc).ShouldBe(new SymbolFilters("BTCUSDT", 0.10m, 0.001m, 0.001m, 120m, 100m));
        var limits = Fixtures.Binance.GetProperty("responses").GetProperty("exchange_info_rate_limits_documented").GetProperty("body_fragment").GetProperty("rateLimits").GetRawText();
        JsonSerializer.Deserialize(limits, BinanceJson.Default.Options.GetTypeInfo(typeof(IReadOnlyList<BinanceRateLimit>))).ShouldNotBeNull();
    }

    [Fact]
    public void Bybit_documented_responses_parse()
    {
        var time = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "server_time"), BybitJson.Default.BybitResponseBybitServerTime)!;
        WireFormat.ParseLong(time.Result!.TimeNano).ShouldBe(1688639403423213947);

        var instruments = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "instruments_info_btcusdt_documented"), BybitJson.Default.BybitResponseBybitListBybitInstrument)!;
        BybitMapper.ToFilters(instruments.Result!.List[0]).ShouldBe(new SymbolFilters("BTCUSDT", 0.10m, 0.001m, 0.001m, 500m, 5m));

        var ack = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "order_create_documented"), BybitJson.Default.BybitResponseBybitOrderAck)!;
        ack.Result!.OrderId.ShouldBe("1321003749386327552");

        var realtime = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "order_realtime_documented"), BybitJson.Default.BybitResponseBybitListBybitOrder)!;
        BybitMapper.ToOrder(realtime.Result!.List[0]).ShouldBe(new ExchangeOrder("ETHUSDT", "test-000005", "fd4300ae-7847-404e-b947-b46980a4d140", OrderSide.Buy, OrderStatus.New, 0.10m, 0m, 0m, false));

        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "order_cancel_documented"), BybitJson.Default.BybitResponseBybitOrderAck)!.Result!.OrderLinkId.ShouldBe("linear-004");
        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "set_leverage_documented"), BybitJson.Default.BybitResponseBybitEmpty)!.RetCode.ShouldBe(0);
        JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "trading_stop_documented"), BybitJson.Default.BybitResponseBybitEmpty)!.RetCode.ShouldBe(0);

        var positions = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "position_list_documented"), BybitJson.Default.BybitResponseBybitListBybitPosition)!;
        BybitMapper.ToPosition(positions.Result!.List[0]).Quantity.ShouldBe(-300m);

        var wallet = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "wallet_balance_unified_documented"), BybitJson.Default.BybitResponseBybitListBybitWallet)!;
        wallet.Result!.List[0].TotalAvailableBalance.ShouldBe("3.00326056");

        var notModified = JsonSerializer.Deserialize(Fixtures.Body(Fixtures.Bybit, "error_leverage_not_modified_observed"), BybitJson.Default.BybitResponseBybitEmpty)!;
        notModified.RetCode.ShouldBe(BybitErrors.LeverageNotModified);
    }

    [Theory]
    [InlineData(400, -1021, ExchangeErrorKind.Retryable, "-1021")]
    [InlineData(400, -5028, ExchangeErrorKind.Retryable, "-5028")]
    [InlineData(429, -1003, ExchangeErrorKind.Retryable, "-1003")]
    [InlineData(418, -1003, ExchangeErrorKind.AccountFatal, ExchangeErrorCodes.Banned)]
    [InlineData(503, -1008, ExchangeErrorKind.Retryable, "-1008")]
    [InlineData(500, -1001, ExchangeErrorKind.Retryable, "-1001")]
    [InlineData(400, -1015, ExchangeErrorKind.Retryable, "-1015")]
    [InlineData(400, -4117, ExchangeErrorKind.Retryable, "-4117")]
    [InlineData(500, -1000, ExchangeErrorKind.OutcomeUnknown, "-1000")]
    [InlineData(500, -1006, ExchangeErrorKind.OutcomeUnknown, "-1006")]
    [InlineData(408, -1007, ExchangeErrorKind.OutcomeUnknown, "-1007")]
    [InlineData(400, -1022, ExchangeErrorKind.AccountFatal, "-1022")]
    [InlineData(401, -2015, ExchangeErrorKind.AccountFatal, "-2015")]
    [InlineData(400, -4109, ExchangeErrorKind.AccountFatal, "-4109")]
    [InlineData(400, -4116, ExchangeErrorKind.Rejected, ExchangeErrorCodes.DuplicateClientOrderId)]
    [InlineData(400, -2019, ExchangeErrorKind.Rejected, "-2019")]
    [InlineData(400, -2022, ExchangeErrorKind.Rejected, "-2022")]
    [InlineData(400, -4164, ExchangeErrorKind.Rejected, "-4164")]
    [InlineData(400, -4120, ExchangeErrorKind.Rejected, "-4120")]
    [InlineData(400, -1121, ExchangeErrorKind.Rejected, "-1121")]
    [InlineData(400, -1111, ExchangeErrorKind.Rejected, "-1111")]
    [InlineData(400, -2013, ExchangeErrorKind.Rejected, "-2013")]
    [InlineData(503, 0, ExchangeErrorKind.OutcomeUnknown, "http-503")]
    [InlineData(502, 0, ExchangeErrorKind.OutcomeUnknown, "http-502")]
    [InlineData(429, 0, ExchangeErrorKind.Retryable, "http-429")]
    public void Binance_error_codes_map_to_their_class(int status, int code, ExchangeErrorKind kind, string ourCode)
    {
        var error = BinanceErrors.Classify((HttpStatusCode)status, code, "message");

        error.Kind.ShouldBe(kind);
        error.Code.ShouldBe(ourCode);
        error.Exchange.ShouldBe(ExchangeName.Binance);
    }

    [Theory]
    [InlineData(503, "Service Unavailable.", ExchangeErrorKind.Retryable)]
    [InlineData(503, "Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.", ExchangeErrorKind.Retryable)]
    [InlineData(503, "Unknown error, please check your request or try again later.", ExchangeErrorKind.OutcomeUnknown)]
    public void Binance_503_variants_are_told_apart(int status, string message, ExchangeErrorKind kind) =>
        BinanceErrors.Classify((HttpStatusCode)status, 0, message).Kind.ShouldBe(kind);

    [Theory]
    [InlineData(200, 10000, ExchangeErrorKind.OutcomeUnknown, "10000")]
    [InlineData(200, 10016, ExchangeErrorKind.OutcomeUnknown, "10016")]
    [InlineData(200, 10014, ExchangeErrorKind.OutcomeUnknown, "10014")]
    [InlineData(200, 10002, ExchangeErrorKind.Retryable, "10002")]
    [InlineData(200, 10006, ExchangeErrorKind.Retryable, "10006")]
    [InlineData(200, 110079, ExchangeErrorKind.Retryable, "110079")]
    [InlineData(200, 10003, ExchangeErrorKind.AccountFatal, "10003")]
    [InlineData(200, 10004, ExchangeErrorKind.AccountFatal, "10004")]
    [InlineData(200, 10005, ExchangeErrorKind.AccountFatal, "10005")]
    [InlineData(200, 10010, ExchangeErrorKind.AccountFatal, "10010")]
    [InlineData(200, 110072, ExchangeErrorKind.Rejected, ExchangeErrorCodes.DuplicateClientOrderId)]
    [InlineData(200, 10001, ExchangeErrorKind.Rejected, "10001")]
    [InlineData(200, 110007, ExchangeErrorKind.Rejected, "110007")]
    [InlineData(200, 110017, ExchangeErrorKind.Rejected, "110017")]
    [InlineData(200, 110094, ExchangeErrorKind.Rejected, "110094")]
    [InlineData(200, 110043, ExchangeErrorKind.Rejected, "110043")]
    [InlineData(200, 110001, ExchangeErrorKind.Rejected, "110001")]
    [InlineData(403, 0, ExchangeErrorKind.AccountFatal, ExchangeErrorCodes.Banned)]
    [InlineData(429, 0, ExchangeErrorKind.Retryable, "http-429")]
    [InlineData(502, 0, ExchangeErrorKind.OutcomeUnknown, "http-502")]
    public void Bybit_error_codes_map_to_their_class(int status, int retCode, ExchangeErrorKind kind, string ourCode)
    {
        var error = BybitErrors.Classify((HttpStatusCode)status, retCode, "message");

        error.Kind.ShouldBe(kind);
        error.Code.ShouldBe(ourCode);
        error.Exchange.ShouldBe(ExchangeName.Bybit);
    }

    [Theory]
    [InlineData("0.001", "0.001")]
    [InlineData("0.0010", "0.001")]
    [InlineData("64050.20", "64050.2")]
    [InlineData("100", "100")]
    [InlineData("1E-8", "0.00000001")]
    public void Decimals_travel_as_invariant_strings(string value, string wire) =>
        WireFormat.Decimal(decimal.Parse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(wire);
}
