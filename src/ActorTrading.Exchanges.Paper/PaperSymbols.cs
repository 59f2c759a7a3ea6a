namespace ActorTrading.Exchanges.Paper;

/// <summary>
/// The common USDT perpetuals with filters as Binance USD-M publishes them (LOT_SIZE step and minimum,
/// PRICE_FILTER tick, MIN_NOTIONAL), so that paper sizing rounds and refuses exactly as a real venue would.
/// </summary>
public static class PaperSymbols
{
    /// <summary>The symbols and their filters.</summary>
    public static IReadOnlyDictionary<string, SymbolFilters> Filters { get; } = new Dictionary<string, SymbolFilters>(StringComparer.Ordinal)
    {
        ["BTCUSDT"] = new("BTCUSDT", TickSize: 0.10m, StepSize: 0.001m, MinQuantity: 0.001m, MaxQuantity: 1000m, MinNotional: 100m),
        ["ETHUSDT"] = new("ETHUSDT", TickSize: 0.01m, StepSize: 0.001m, MinQuantity: 0.001m, MaxQuantity: 10000m, MinNotional: 20m),
        ["SOLUSDT"] = new("SOLUSDT", TickSize: 0.010m, StepSize: 1m, MinQuantity: 1m, MaxQuantity: 1000000m, MinNotional: 5m),
        ["BNBUSDT"] = new("BNBUSDT", TickSize: 0.010m, StepSize: 0.01m, MinQuantity: 0.01m, MaxQuantity: 100000m, MinNotional: 5m),
        ["XRPUSDT"] = new("XRPUSDT", TickSize: 0.0001m, StepSize: 0.1m, MinQuantity: 0.1m, MaxQuantity: 10000000m, MinNotional: 5m),
        ["DOGEUSDT"] = new("DOGEUSDT", TickSize: 0.00001m, StepSize: 1m, MinQuantity: 1m, MaxQuantity: 50000000m, MinNotional: 5m),
    };

    /// <summary>Starting prices for demos.</summary>
    public static IReadOnlyDictionary<string, decimal> ReferencePrices { get; } = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["BTCUSDT"] = 64_000m,
        ["ETHUSDT"] = 3_200m,
        ["SOLUSDT"] = 150m,
        ["BNBUSDT"] = 580m,
        ["XRPUSDT"] = 0.52m,
        ["DOGEUSDT"] = 0.12m,
    };
}
