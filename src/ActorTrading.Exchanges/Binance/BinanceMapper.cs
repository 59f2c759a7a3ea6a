using System.Buffers;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Binance;

/// <summary>
/// Our requests in Binance USD-M's words, and its answers in ours. One-way position mode only
/// (<c>positionSide</c> BOTH). Anything Binance cannot express is refused here, before sending, with a
/// message that names the combination.
/// </summary>
internal static class BinanceMapper
{
    /// <summary><c>newClientOrderId</c> / <c>clientAlgoId</c>: <c>^[\.A-Z\:/a-z0-9_-]{1,36}$</c>.</summary>
    private static readonly SearchValues<char> ClientIdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:/_-");

    /// <summary>New Order, MARKET, with <c>newOrderRespType=RESULT</c> so the fill comes back in the answer.</summary>
    public static QueryString NewMarketOrder(MarketOrderRequest order)
    {
        RequireClientId(order.ClientOrderId, "newClientOrderId");
        if (order.Quantity <= 0)
        {
            throw Unsupported($"a market order of quantity {order.Quantity} on {order.Symbol} (quantity must be positive)");
        }

        return new QueryString()
            .Add("symbol", order.Symbol)
            .Add("side", Side(order.Side))
            .Add("type", "MARKET")
            .Add("quantity", order.Quantity)
            .AddIf(order.ReduceOnly, "reduceOnly", "true")
            .Add("newClientOrderId", order.ClientOrderId)
            .Add("newOrderRespType", "RESULT");
    }

    /// <summary>New Algo Order: STOP_MARKET / TAKE_PROFIT_MARKET on the mark price, <c>closePosition=true</c>
    /// (conditional types left <c>/fapi/v1/order</c> on 2025-12-09).</summary>
    public static QueryString NewProtectiveOrder(ProtectiveOrderRequest order)
    {
        RequireClientId(order.ClientOrderId, "clientAlgoId");
        if (order.TriggerPrice <= 0)
        {
            throw Unsupported($"a {order.Kind} on {order.Symbol} with trigger price {order.TriggerPrice}");
        }

        return new QueryString()
            .Add("algoType", "CONDITIONAL")
            .Add("symbol", order.Symbol)
            .Add("side", Side(order.Side))
            .Add("type", order.Kind == ProtectiveKind.StopLoss ? "STOP_MARKET" : "TAKE_PROFIT_MARKET")
            .Add("triggerPrice", order.TriggerPrice)
            .Add("workingType", "MARK_PRICE")
            .Add("closePosition", "true")
            .Add("clientAlgoId", order.ClientOrderId);
    }

    public static ExchangeOrder ToOrder(BinanceOrder order) => new(
        order.Symbol,
        order.ClientOrderId,
        order.OrderId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ParseSide(order.Side),
        order.Status switch
        {
            "NEW" => OrderStatus.New,
            "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
            "FILLED" => OrderStatus.Filled,
            "CANCELED" => OrderStatus.Canceled,
            "REJECTED" => OrderStatus.Rejected,
            "EXPIRED" or "EXPIRED_IN_MATCH" => OrderStatus.Expired,
            _ => throw Unreadable($"order status '{order.Status}'"),
        },
        WireFormat.ParseDecimal(order.OrigQty),
        WireFormat.ParseDecimal(order.ExecutedQty),
        WireFormat.ParseDecimal(order.AvgPrice),
        order.ReduceOnly || order.ClosePosition);

    public static ExchangeOrder ToOrder(BinanceAlgoOrder order) => new(
        order.Symbol,
        order.ClientAlgoId,
        order.AlgoId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ParseSide(order.Side),
        order.AlgoStatus switch
        {
            "NEW" or "TRIGGERING" => OrderStatus.New,
            "TRIGGERED" or "FINISHED" => OrderStatus.Filled,
            "CANCELED" => OrderStatus.Canceled,
            "REJECTED" => OrderStatus.Rejected,
            "EXPIRED" => OrderStatus.Expired,
            _ => throw Unreadable($"algo status '{order.AlgoStatus}'"),
        },
        WireFormat.ParseDecimal(order.Quantity),
        WireFormat.ParseDecimal(order.ActualQty),
        WireFormat.ParseDecimal(order.ActualPrice),
        ReduceOnly: true);

    public static SymbolFilters ToFilters(BinanceSymbol symbol)
    {
        BinanceFilter? Find(string type) => symbol.Filters.FirstOrDefault(f => f.FilterType == type);
        var price = Find("PRICE_FILTER");
        var lot = Find("LOT_SIZE");
        var market = Find("MARKET_LOT_SIZE") ?? lot;
        var notional = Find("MIN_NOTIONAL");
        var step = WireFormat.ParseDecimal(market?.StepSize);
        return new SymbolFilters(
            symbol.Symbol,
            WireFormat.ParseDecimal(price?.TickSize),
            step > 0 ? step : WireFormat.ParseDecimal(lot?.StepSize),
            WireFormat.ParseDecimal(market?.MinQty),
            WireFormat.ParseDecimal(market?.MaxQty),
            WireFormat.ParseDecimal(notional?.Notional));
    }

    public static Position ToPosition(BinancePositionRisk row) => new(
        row.Symbol,
        WireFormat.ParseDecimal(row.PositionAmt),
        WireFormat.ParseDecimal(row.EntryPrice),
        WireFormat.ParseDecimal(row.UnRealizedProfit),
        (int)WireFormat.ParseLong(row.Leverage));

    private static string Side(OrderSide side) => side == OrderSide.Buy ? "BUY" : "SELL";

    private static OrderSide ParseSide(string side) => side switch
    {
        "BUY" => OrderSide.Buy,
        "SELL" => OrderSide.Sell,
        _ => throw Unreadable($"side '{side}'"),
    };

    private static void RequireClientId(string id, string field)
    {
        if (id.Length is 0 or > 36 || id.AsSpan().ContainsAnyExcept(ClientIdChars))
        {
            throw Unsupported($"{field} '{id}' (Binance allows 1-36 of letters, digits and . : / _ -)");
        }
    }

    private static ExchangeException Unsupported(string what) =>
        new(ExchangeName.Binance, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnsupportedRequest, "Binance USD-M cannot take " + what);

    private static ExchangeException Unreadable(string what) =>
        new(ExchangeName.Binance, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.UnreadableResponse, "Binance answered with an unknown " + what);
}
