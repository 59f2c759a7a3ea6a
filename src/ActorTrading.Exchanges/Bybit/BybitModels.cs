using System.Text.Json.Serialization;

namespace ActorTrading.Exchanges.Bybit;

// Wire shapes of Bybit V5 (category=linear). Every number-like value is a string; "" means "not set".

internal sealed record BybitResponse<T>(int RetCode, string? RetMsg, T? Result, long Time);

internal sealed record BybitEmpty;

internal sealed record BybitServerTime(string TimeSecond, string TimeNano);

internal sealed record BybitLotSizeFilter(string? MaxOrderQty, string? MaxMktOrderQty, string? MinOrderQty, string? QtyStep, string? MinNotionalValue);

internal sealed record BybitPriceFilter(string? MinPrice, string? MaxPrice, string? TickSize);

internal sealed record BybitLeverageFilter(string? MinLeverage, string? MaxLeverage, string? LeverageStep);

internal sealed record BybitInstrument(
    string Symbol,
    string Status,
    string? ContractType,
    BybitLotSizeFilter LotSizeFilter,
    BybitPriceFilter PriceFilter,
    BybitLeverageFilter? LeverageFilter);

internal sealed record BybitList<T>(string? Category, IReadOnlyList<T> List, string? NextPageCursor);

internal sealed record BybitTicker(string Symbol, string? LastPrice, string? MarkPrice, string? IndexPrice);

internal sealed record BybitOrderAck(string OrderId, string OrderLinkId);

internal sealed record BybitOrder(
    string OrderId,
    string OrderLinkId,
    string Symbol,
    string? Price,
    string Qty,
    string Side,
    int PositionIdx,
    string OrderStatus,
    string? AvgPrice,
    string? CumExecQty,
    string? OrderType,
    string? TriggerPrice,
    bool ReduceOnly,
    bool CloseOnTrigger,
    string? RejectReason);

internal sealed record BybitPosition(
    string Symbol,
    int PositionIdx,
    string Side,
    string Size,
    string AvgPrice,
    string? Leverage,
    string? MarkPrice,
    string? UnrealisedPnl);

internal sealed record BybitCoinBalance(string Coin, string? Equity, string? WalletBalance, string? Locked, string? TotalPositionIM, string? TotalOrderIM);

internal sealed record BybitWallet(string AccountType, string? TotalEquity, string? TotalWalletBalance, string? TotalAvailableBalance, IReadOnlyList<BybitCoinBalance> Coin);

internal sealed record BybitClosedPnl(string Symbol, string ClosedPnl, string? OrderId, string? CreatedTime);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(BybitResponse<BybitEmpty>))]
[JsonSerializable(typeof(BybitResponse<BybitServerTime>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitInstrument>>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitTicker>>))]
[JsonSerializable(typeof(BybitResponse<BybitOrderAck>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitOrder>>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitPosition>>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitWallet>>))]
[JsonSerializable(typeof(BybitResponse<BybitList<BybitClosedPnl>>))]
internal sealed partial class BybitJson : JsonSerializerContext;
