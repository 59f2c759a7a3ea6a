namespace ActorTrading.Domain.Tests;

public sealed class AlertParserSpecs
{
    [Fact]
    public void A_tradingview_alert_is_parsed_and_its_ticker_normalized()
    {
        var (alert, errors) = AlertParser.Parse("""
            {"secret":"s3","ticker":"BINANCE:BTCUSDT.P","action":"buy","price":"64000.5","alert_id":"a-1","time":"2026-11-22T10:00:00Z"}
            """);
        errors.ShouldBeEmpty();
        alert!.Secret.ShouldBe("s3");
        alert.Signal.ShouldBe(new Signal("BTCUSDT", SignalAction.Buy, 64000.5m, "a-1", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("BTCUSDT", "BTCUSDT")]
    [InlineData("binance:ethusdt.p", "ETHUSDT")]
    [InlineData("BYBIT:SOLUSDT.P", "SOLUSDT")]
    [InlineData("BTCUSDTPERP", "BTCUSDT")]
    public void Tickers_are_normalized_to_the_exchange_symbol(string ticker, string symbol)
    {
        var errors = new List<FieldError>();
        AlertParser.NormalizeTicker(ticker, errors).ShouldBe(symbol);
        errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("close", null, SignalAction.Close)]
    [InlineData("exit", null, SignalAction.Close)]
    [InlineData("sell", "flat", SignalAction.Close)]
    [InlineData("sell", "short", SignalAction.Sell)]
    [InlineData("BUY", "long", SignalAction.Buy)]
    [InlineData("flat", null, SignalAction.Close)]
    [InlineData("Close All", null, SignalAction.Close)]
    [InlineData("close_all", null, SignalAction.Close)]
    [InlineData("exit-all", null, SignalAction.Close)]
    [InlineData("exit long", null, SignalAction.CloseLong)]
    [InlineData("EXIT_LONG", null, SignalAction.CloseLong)]
    [InlineData("close short", null, SignalAction.CloseShort)]
    [InlineData("exit_short", null, SignalAction.CloseShort)]
    [InlineData("exit long", "flat", SignalAction.Close)]
    public void Actions_and_market_position_map_to_buy_sell_or_close(string action, string? marketPosition, SignalAction expected)
    {
        var position = marketPosition is null ? "" : $",\"market_position\":\"{marketPosition}\"";
        var (alert, errors) = AlertParser.Parse($$"""{"secret":"s","ticker":"BTCUSDT","action":"{{action}}"{{position}}}""");
        errors.ShouldBeEmpty();
        alert!.Signal.Action.ShouldBe(expected);
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("""{"ticker":"BTCUSDT","action":"buy"}""", "secret")]
    [InlineData("""{"secret":"s","action":"buy"}""", "ticker")]
    [InlineData("""{"secret":"s","ticker":"BTC/USDT","action":"buy"}""", "ticker")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"hold"}""", "action")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"exit sideways"}""", "action")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"close half"}""", "action")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","price":"-3"}""", "price")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","price":{"x":1}}""", "price")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","market_position":"sideways"}""", "market_position")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","time":"yesterday"}""", "time")]
    [InlineData("""{"secret":42,"ticker":"BTCUSDT","action":"buy"}""", "secret")]
    // Issue 16: a JSON-escaped lone surrogate is valid JSON but no text; it threw (a 500) before.
    [InlineData("""{"secret":"\ud800","ticker":"BTCUSDT","action":"buy"}""", "secret")]
    [InlineData("""{"secret":"s","ticker":"\udc00","action":"buy"}""", "ticker")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"b\ud800uy"}""", "action")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","price":"\ud800"}""", "price")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","alert_id":"\ud800"}""", "alert_id")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","market_position":"\ud800"}""", "market_position")]
    [InlineData("""{"secret":"s","ticker":"BTCUSDT","action":"buy","time":"\ud800"}""", "time")]
    public void A_bad_alert_is_refused_with_the_field_named(string body, string field)
    {
        var (alert, errors) = AlertParser.Parse(body);
        alert.ShouldBeNull();
        errors.Select(e => e.Field).ShouldContain(field);
    }
}
