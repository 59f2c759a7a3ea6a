using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Binance;

/// <summary>Market Data endpoints (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api).</summary>
internal sealed class BinanceMarketEndpoints(BinanceTransport transport)
{
    /// <summary>Check Server Time, weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Check-Server-Time</summary>
    public Task<BinanceServerTime> ServerTimeAsync(CancellationToken ct) =>
        transport.PublicAsync(HttpMethod.Get, "/fapi/v1/time", null, 1, BinanceJson.Default.BinanceServerTime, ct);

    /// <summary>Exchange Information, weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information</summary>
    public Task<BinanceExchangeInfo> ExchangeInfoAsync(CancellationToken ct) =>
        transport.PublicAsync(HttpMethod.Get, "/fapi/v1/exchangeInfo", null, 1, BinanceJson.Default.BinanceExchangeInfo, ct);

    /// <summary>Mark Price, weight 1 with a symbol. https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price</summary>
    public Task<BinancePremiumIndex> MarkPriceAsync(string symbol, CancellationToken ct) =>
        transport.PublicAsync(HttpMethod.Get, "/fapi/v1/premiumIndex", new QueryString().Add("symbol", symbol), 1, BinanceJson.Default.BinancePremiumIndex, ct);
}

/// <summary>Trade endpoints (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api).</summary>
internal sealed class BinanceTradeEndpoints(BinanceTransport transport)
{
    /// <summary>New Order (TRADE), IP weight 0, one on each order counter. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order</summary>
    public Task<BinanceOrder> NewOrderAsync(QueryString order, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Post, "/fapi/v1/order", order, 0, isOrder: true, BinanceJson.Default.BinanceOrder, ct);

    /// <summary>Query Order by <c>origClientOrderId</c> (USER_DATA), weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Order</summary>
    public Task<BinanceOrder> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Get, "/fapi/v1/order", new QueryString().Add("symbol", symbol).Add("origClientOrderId", clientOrderId), 1, isOrder: false, BinanceJson.Default.BinanceOrder, ct);

    /// <summary>Cancel Order by <c>origClientOrderId</c> (TRADE), weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Order</summary>
    public Task<BinanceOrder> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Delete, "/fapi/v1/order", new QueryString().Add("symbol", symbol).Add("origClientOrderId", clientOrderId), 1, isOrder: false, BinanceJson.Default.BinanceOrder, ct);

    /// <summary>New Algo Order (TRADE), IP weight 0, one on each order counter. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order</summary>
    public Task<BinanceAlgoOrder> NewAlgoOrderAsync(QueryString order, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Post, "/fapi/v1/algoOrder", order, 0, isOrder: true, BinanceJson.Default.BinanceAlgoOrder, ct);

    /// <summary>Query Algo Order by <c>clientAlgoId</c> (USER_DATA), weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order</summary>
    public Task<BinanceAlgoOrder> QueryAlgoOrderAsync(string clientAlgoId, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Get, "/fapi/v1/algoOrder", new QueryString().Add("clientAlgoId", clientAlgoId), 1, isOrder: false, BinanceJson.Default.BinanceAlgoOrder, ct);

    /// <summary>Cancel Algo Order by <c>clientAlgoId</c> (TRADE), weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Algo-Order</summary>
    public Task<BinanceAlgoOrder> CancelAlgoOrderAsync(string clientAlgoId, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Delete, "/fapi/v1/algoOrder", new QueryString().Add("clientAlgoId", clientAlgoId), 1, isOrder: false, BinanceJson.Default.BinanceAlgoOrder, ct);

    /// <summary>Change Initial Leverage (TRADE), weight 1. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Initial-Leverage</summary>
    public Task<BinanceLeverage> ChangeLeverageAsync(string symbol, int leverage, CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Post, "/fapi/v1/leverage", new QueryString().Add("symbol", symbol).Add("leverage", leverage), 1, isOrder: false, BinanceJson.Default.BinanceLeverage, ct);

    /// <summary>Position Information V2 (USER_DATA), weight 5; V2 because V3 dropped <c>leverage</c>. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V2</summary>
    public Task<IReadOnlyList<BinancePositionRisk>> PositionRiskAsync(CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Get, "/fapi/v2/positionRisk", new QueryString(), 5, isOrder: false, BinanceJson.Default.IReadOnlyListBinancePositionRisk, ct);
}

/// <summary>Account endpoints (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api).</summary>
internal sealed class BinanceAccountEndpoints(BinanceTransport transport)
{
    /// <summary>Futures Account Balance V3 (USER_DATA), weight 5. https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V3</summary>
    public Task<IReadOnlyList<BinanceBalance>> BalanceAsync(CancellationToken ct) =>
        transport.SignedAsync(HttpMethod.Get, "/fapi/v3/balance", new QueryString(), 5, isOrder: false, BinanceJson.Default.IReadOnlyListBinanceBalance, ct);

    /// <summary>Get Income History, REALIZED_PNL since a time (USER_DATA), weight 30. https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History</summary>
    public Task<IReadOnlyList<BinanceIncome>> RealizedPnlAsync(long startTimeMs, CancellationToken ct) =>
        transport.SignedAsync(
            HttpMethod.Get,
            "/fapi/v1/income",
            new QueryString().Add("incomeType", "REALIZED_PNL").Add("startTime", startTimeMs).Add("limit", 1000),
            30,
            isOrder: false,
            BinanceJson.Default.IReadOnlyListBinanceIncome,
            ct);
}
