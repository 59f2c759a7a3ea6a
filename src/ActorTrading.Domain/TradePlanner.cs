using ActorTrading.Exchanges;

namespace ActorTrading.Domain;

/// <summary>Whether a leg closes the current position or opens a new one.</summary>
public enum LegKind
{
    /// <summary>Reduce-only, the whole current position.</summary>
    Close,

    /// <summary>A new position sized from the subscription's parameters.</summary>
    Open,
}

/// <summary>One market order of a plan, in the order it must be placed.</summary>
public sealed record OrderLeg(LegKind Kind, OrderSide Side, decimal Quantity)
{
    /// <summary>Closing legs may only reduce the position.</summary>
    public bool ReduceOnly => Kind == LegKind.Close;
}

/// <summary>A subscription's risk limits; null means no limit.</summary>
public sealed record RiskLimits(decimal? MaxDailyLossUsd, int? MaxConcurrentPositions)
{
    /// <summary>No limits.</summary>
    public static RiskLimits None { get; } = new(null, null);
}

/// <summary>What the account looks like when the signal arrives.</summary>
/// <param name="PositionQuantity">The position in the signal's symbol: positive long, negative short, zero flat.</param>
/// <param name="OpenPositions">Open positions across all symbols of the account.</param>
/// <param name="RealizedPnlToday">Realized profit and loss since 00:00 UTC (negative for a loss).</param>
/// <param name="MarkPrice">The exchange's current price of the symbol.</param>
/// <param name="Filters">The symbol's trading rules.</param>
public sealed record MarketState(decimal PositionQuantity, int OpenPositions, decimal RealizedPnlToday, decimal MarkPrice, SymbolFilters Filters);

/// <summary>The orders to place for a signal, and why (part of) the signal is not traded.</summary>
/// <param name="Legs">Market orders, in order: a close before an open.</param>
/// <param name="SkipReason">Why nothing (or no opening leg) is traded; null when everything asked for is planned.</param>
public sealed record TradePlan(IReadOnlyList<OrderLeg> Legs, string? SkipReason)
{
    /// <summary>Nothing to trade, for a reason.</summary>
    public static TradePlan Skip(string reason) => new([], reason);

    /// <summary>Whether any order is planned.</summary>
    public bool IsEmpty => Legs.Count == 0;
}

/// <summary>
/// Turns a signal into orders for one subscription (pure). A buy while short closes the short first and
/// then opens the long (and a sell while long the reverse). A signal in the direction already held is
/// skipped: the subscriber's position is not doubled. Risk limits, and a pause, stop opening, never closing.
/// </summary>
public static class TradePlanner
{
    /// <summary>Plans the orders for <paramref name="action"/>. <paramref name="openingBlocked"/>, when set, is why no
    /// position may be opened (a paused subscription): closes, and a flip's closing leg, are still planned.</summary>
    public static TradePlan Plan(SignalAction action, TradingParameters parameters, RiskLimits limits, MarketState market, string? openingBlocked = null)
    {
        var position = market.PositionQuantity;
        if (action.Closes())
        {
            return position == 0 ? TradePlan.Skip("no open position to close")
                : action == SignalAction.CloseLong && position < 0 ? TradePlan.Skip("the signal exits long positions; this one is short")
                : action == SignalAction.CloseShort && position > 0 ? TradePlan.Skip("the signal exits short positions; this one is long")
                : new TradePlan([Close(position)], null);
        }

        var wantLong = action == SignalAction.Buy;
        if ((wantLong && position > 0) || (!wantLong && position < 0))
        {
            return TradePlan.Skip(wantLong ? "position already long" : "position already short");
        }

        var legs = new List<OrderLeg>();
        if (position != 0)
        {
            legs.Add(Close(position));
        }

        var quantity = Size(parameters, market.MarkPrice, market.Filters);
        var blocked = openingBlocked ?? RiskBlock(limits, market, flipping: position != 0) ?? market.Filters.Violation(quantity, market.MarkPrice);
        if (blocked is not null)
        {
            return new TradePlan(legs, blocked);
        }

        legs.Add(new OrderLeg(LegKind.Open, wantLong ? OrderSide.Buy : OrderSide.Sell, quantity));
        return new TradePlan(legs, null);
    }

    /// <summary>quantity = margin × leverage ÷ mark price, rounded down to the step.</summary>
    public static decimal Size(TradingParameters parameters, decimal markPrice, SymbolFilters filters) =>
        markPrice <= 0 ? 0 : filters.RoundQuantityDown(parameters.MarginUsd * parameters.Leverage / markPrice);

    private static OrderLeg Close(decimal position) =>
        new(LegKind.Close, position > 0 ? OrderSide.Sell : OrderSide.Buy, Math.Abs(position));

    private static string? RiskBlock(RiskLimits limits, MarketState market, bool flipping)
    {
        if (limits.MaxDailyLossUsd is { } maxLoss && -market.RealizedPnlToday >= maxLoss)
        {
            return "daily loss limit reached";
        }

        // A flip keeps the number of positions; only a new position counts against the limit.
        if (!flipping && limits.MaxConcurrentPositions is { } maxPositions && market.OpenPositions >= maxPositions)
        {
            return "max concurrent positions reached";
        }

        return null;
    }
}
