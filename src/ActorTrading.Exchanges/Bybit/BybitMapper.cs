using System.Buffers;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>
/// Our requests in Bybit V5's words (category <c>linear</c>, one-way mode <c>positionIdx=0</c>), and its
/// answers in ours. Anything Bybit cannot express is refused here, before sending, naming the combination.
/// </summary>
internal static class BybitMapper
{
    /// <summary><c>orderLinkId</c>: at most 36 of letters, digits, <c>-</c> and <c>_</c>.</summary>
    private static readonly SearchValues<char> LinkIdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public static string NewMarketOrder(MarketOrderRequest order)
    {
        RequireLinkId(order.ClientOrderId);
        if (order.Quantity <= 0)
        {
            throw Unsupported($"a market order of qty {order.Quantity} on {order.Symbol} (qty must be positive; closing by qty \"0\" needs closeOnTrigger)");
        }

        var body = new BybitBody()
            .Add("category", "linear")
            .Add("symbol", order.Symbol)
            .Add("side", Side(order.Side))
            .Add("orderType", "Market")
            .Add("qty", order.Quantity)
            .AddNumber("positionIdx", 0)
            .Add("orderLinkId", order.ClientOrderId);
        if (order.ReduceOnly)
        {
            body.AddBool("reduceOnly", true);
        }

        return body.Build();
    }

    /// <summary>
    /// A conditional market order on the mark price that closes the whole position: <c>qty="0"</c> with
    /// <c>reduceOnly</c> and <c>closeOnTrigger</c> (Bybit's documented close-all), so that it has an
    /// <c>orderLinkId</c> to query (position-level TP/SL via trading-stop has none).
    /// </summary>
    public static string NewProtectiveOrder(ProtectiveOrderRequest order)
    {
        RequireLinkId(order.ClientOrderId);
        if (order.TriggerPrice <= 0)
        {
            throw Unsupported($"a {order.Kind} on {order.Symbol} with trigger price {order.TriggerPrice}");
        }

        // A sell stop-loss (long position) or a buy take-profit (short) fires on a fall; the others on a rise.
        var falling = (order.Kind == ProtectiveKind.StopLoss) == (order.Side == OrderSide.Sell);
        return new BybitBody()
            .Add("category", "linear")
            .Add("symbol", order.Symbol)
            .Add("side", Side(order.Side))
            .Add("orderType", "Market")
            .Add("qty", "0")
            .Add("triggerPrice", order.TriggerPrice)
            .AddNumber("triggerDirection", falling ? 2 : 1)
            .Add("triggerBy", "MarkPrice")
            .AddNumber("positionIdx", 0)
            .Add("orderLinkId", order.ClientOrderId)
            .AddBool("reduceOnly", true)
            .AddBool("closeOnTrigger", true)
            .Build();
    }

    public static string SetLeverage(string symbol, int leverage)
    {
        if (leverage < 1)
        {
            throw Unsupported($"leverage {leverage} on {symbol}");
        }

        var text = WireFormat.Integer(leverage);
        return new BybitBody().Add("category", "linear").Add("symbol", symbol).Add("buyLeverage", text).Add("sellLeverage", text).Build();
    }

    public static string Cancel(string symbol, string clientOrderId) =>
        new BybitBody().Add("category", "linear").Add("symbol", symbol).Add("orderLinkId", clientOrderId).Build();

    public static ExchangeOrder ToOrder(BybitOrder order) => new(
        order.Symbol,
        order.OrderLinkId,
        order.OrderId,
        ParseSide(order.Side),
        order.OrderStatus switch
        {
            "New" or "Untriggered" or "Created" => OrderStatus.New,
            "PartiallyFilled" => OrderStatus.PartiallyFilled,
            "Filled" or "Triggered" => OrderStatus.Filled,
            "Cancelled" or "PartiallyFilledCanceled" or "Deactivated" => OrderStatus.Canceled,
            "Rejected" => OrderStatus.Rejected,
            _ => throw Unreadable($"orderStatus '{order.OrderStatus}'"),
        },
        WireFormat.ParseDecimal(order.Qty),
        WireFormat.ParseDecimal(order.CumExecQty),
        WireFormat.ParseDecimal(order.AvgPrice),
        order.ReduceOnly || order.CloseOnTrigger);

    /// <summary>What an acknowledgement tells before the order can be read back.</summary>
    public static ExchangeOrder Acknowledged(MarketOrderRequest order, BybitOrderAck ack) =>
        new(order.Symbol, ack.OrderLinkId, ack.OrderId, order.Side, OrderStatus.New, order.Quantity, 0m, 0m, order.ReduceOnly);

    public static SymbolFilters ToFilters(BybitInstrument instrument)
    {
        var lot = instrument.LotSizeFilter;
        var market = WireFormat.ParseDecimal(lot.MaxMktOrderQty);
        return new SymbolFilters(
            instrument.Symbol,
            WireFormat.ParseDecimal(instrument.PriceFilter.TickSize),
            WireFormat.ParseDecimal(lot.QtyStep),
            WireFormat.ParseDecimal(lot.MinOrderQty),
            market > 0 ? market : WireFormat.ParseDecimal(lot.MaxOrderQty),
            WireFormat.ParseDecimal(lot.MinNotionalValue));
    }

    public static Position ToPosition(BybitPosition row)
    {
        var size = WireFormat.ParseDecimal(row.Size);
        return new Position(
            row.Symbol,
            row.Side == "Sell" ? -size : size,
            WireFormat.ParseDecimal(row.AvgPrice),
            WireFormat.ParseDecimal(row.UnrealisedPnl),
            (int)WireFormat.ParseDecimal(row.Leverage));
    }

    private static string Side(OrderSide side) => side == OrderSide.Buy ? "Buy" : "Sell";

    private static OrderSide ParseSide(string side) => side switch
    {
        "Buy" => OrderSide.Buy,
        "Sell" => OrderSide.Sell,
        _ => throw Unreadable($"side '{side}'"),
    };

    private static void RequireLinkId(string id)
    {
        if (id.Length is 0 or > 36 || id.AsSpan().ContainsAnyExcept(LinkIdChars))
        {
            throw Unsupported($"orderLinkId '{id}' (Bybit allows 1-36 of letters, digits, - and _)");
        }
    }

    private static ExchangeException Unsupported(string what) =>
        new(ExchangeName.Bybit, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnsupportedRequest, "Bybit V5 linear cannot take " + what);

    private static ExchangeException Unreadable(string what) =>
        new(ExchangeName.Bybit, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.UnreadableResponse, "Bybit answered with an unknown " + what);
}
