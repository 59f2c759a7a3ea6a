using ActorTrading.Exchanges;

namespace ActorTrading.Domain;

/// <summary>Stop-loss and take-profit trigger prices around an entry (pure).</summary>
public static class Protection
{
    /// <summary>
    /// The protective orders for a position opened on <paramref name="entrySide"/> at <paramref name="entryPrice"/>:
    /// a long's stop is below the entry and its target above, a short's the reverse; both close the position
    /// (so their side is the opposite of the entry's) and are rounded to the tick.
    /// </summary>
    public static IReadOnlyList<(ProtectiveKind Kind, OrderSide Side, decimal TriggerPrice)> For(
        OrderSide entrySide, decimal entryPrice, TradingParameters parameters, SymbolFilters filters)
    {
        var closingSide = entrySide == OrderSide.Buy ? OrderSide.Sell : OrderSide.Buy;
        var direction = entrySide == OrderSide.Buy ? 1m : -1m;
        var orders = new List<(ProtectiveKind, OrderSide, decimal)>();
        if (parameters.StopLossPct is { } stop)
        {
            orders.Add((ProtectiveKind.StopLoss, closingSide, filters.RoundPrice(entryPrice * (1 - (direction * stop / 100)))));
        }

        if (parameters.TakeProfitPct is { } target)
        {
            orders.Add((ProtectiveKind.TakeProfit, closingSide, filters.RoundPrice(entryPrice * (1 + (direction * target / 100)))));
        }

        return orders;
    }
}
