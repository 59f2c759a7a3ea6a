namespace ActorTrading.Exchanges;

/// <summary>
/// A symbol's trading rules as the exchange publishes them (Binance LOT_SIZE / MARKET_LOT_SIZE,
/// PRICE_FILTER, MIN_NOTIONAL; Bybit lotSizeFilter, priceFilter). Quantities are rounded down to the
/// step (never up: that would spend more margin than the subscriber set); prices to the tick.
/// </summary>
public sealed record SymbolFilters(string Symbol, decimal TickSize, decimal StepSize, decimal MinQuantity, decimal MaxQuantity, decimal MinNotional)
{
    /// <summary><paramref name="quantity"/> rounded down to a whole number of steps.</summary>
    public decimal RoundQuantityDown(decimal quantity) =>
        StepSize <= 0 ? quantity : Math.Floor(quantity / StepSize) * StepSize;

    /// <summary><paramref name="price"/> rounded to the nearest tick (half away from zero).</summary>
    public decimal RoundPrice(decimal price) =>
        TickSize <= 0 ? price : Math.Round(price / TickSize, MidpointRounding.AwayFromZero) * TickSize;

    /// <summary>Why an order of <paramref name="quantity"/> at <paramref name="price"/> would be refused, or null.</summary>
    public string? Violation(decimal quantity, decimal price)
    {
        if (quantity <= 0 || quantity < MinQuantity)
        {
            return $"quantity {quantity} is below the minimum {MinQuantity} for {Symbol}";
        }

        if (MaxQuantity > 0 && quantity > MaxQuantity)
        {
            return $"quantity {quantity} is above the maximum {MaxQuantity} for {Symbol}";
        }

        if (StepSize > 0 && quantity % StepSize != 0)
        {
            return $"quantity {quantity} is not a multiple of the step {StepSize} for {Symbol}";
        }

        var notional = quantity * price;
        return notional < MinNotional ? $"notional {notional:0.########} USDT is below the minimum {MinNotional} for {Symbol}" : null;
    }
}
