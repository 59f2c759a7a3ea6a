using System.Text.Json.Serialization;

namespace ActorTrading.Exchanges.Binance;

// Wire shapes of Binance USD-M futures, as documented (decimals arrive as strings, ids as integers).

internal sealed record BinanceError(int Code, string? Msg);

internal sealed record BinanceServerTime(long ServerTime);

internal sealed record BinanceRateLimit(string RateLimitType, string Interval, int IntervalNum, int Limit);

internal sealed record BinanceFilter(
    string FilterType,
    string? MinPrice,
    string? MaxPrice,
    string? TickSize,
    string? MinQty,
    string? MaxQty,
    string? StepSize,
    string? Notional);

internal sealed record BinanceSymbol(string Symbol, string Status, string? ContractType, IReadOnlyList<BinanceFilter> Filters);

internal sealed record BinanceExchangeInfo(long ServerTime, IReadOnlyList<BinanceRateLimit> RateLimits, IReadOnlyList<BinanceSymbol> Symbols);

internal sealed record BinancePremiumIndex(string Symbol, string MarkPrice, string? IndexPrice, long Time);

internal sealed record BinanceOrder(
    long OrderId,
    string Symbol,
    string Status,
    string ClientOrderId,
    string? Price,
    string? AvgPrice,
    string OrigQty,
    string ExecutedQty,
    string? CumQuote,
    string Type,
    bool ReduceOnly,
    bool ClosePosition,
    string Side,
    string? PositionSide,
    long UpdateTime);

internal sealed record BinanceAlgoOrder(
    long AlgoId,
    string ClientAlgoId,
    string? AlgoType,
    string OrderType,
    string Symbol,
    string Side,
    string? Quantity,
    string AlgoStatus,
    string? TriggerPrice,
    bool ClosePosition,
    bool ReduceOnly,
    string? ActualQty,
    string? ActualPrice);

internal sealed record BinanceLeverage(int Leverage, string? MaxNotionalValue, string Symbol);

internal sealed record BinancePositionRisk(
    string Symbol,
    string PositionAmt,
    string EntryPrice,
    string? MarkPrice,
    string UnRealizedProfit,
    string? Leverage,
    string? PositionSide);

internal sealed record BinanceBalance(string Asset, string Balance, string? CrossWalletBalance, string AvailableBalance);

internal sealed record BinanceIncome(string Symbol, string IncomeType, string Income, string Asset, long Time, long TranId);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(BinanceError))]
[JsonSerializable(typeof(BinanceServerTime))]
[JsonSerializable(typeof(BinanceExchangeInfo))]
[JsonSerializable(typeof(BinancePremiumIndex))]
[JsonSerializable(typeof(BinanceOrder))]
[JsonSerializable(typeof(BinanceAlgoOrder))]
[JsonSerializable(typeof(BinanceLeverage))]
[JsonSerializable(typeof(IReadOnlyList<BinancePositionRisk>))]
[JsonSerializable(typeof(IReadOnlyList<BinanceBalance>))]
[JsonSerializable(typeof(IReadOnlyList<BinanceIncome>))]
internal sealed partial class BinanceJson : JsonSerializerContext;
