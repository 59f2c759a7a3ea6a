using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>Market endpoints (https://bybit-exchange.github.io/docs/v5/market/time and siblings); IP limit only.</summary>
internal sealed class BybitMarketEndpoints(BybitTransport transport)
{
    /// <summary>Get Bybit Server Time. https://bybit-exchange.github.io/docs/v5/market/time</summary>
    public Task<BybitServerTime> ServerTimeAsync(CancellationToken ct) =>
        transport.PublicGetAsync("/v5/market/time", null, BybitJson.Default.BybitResponseBybitServerTime, ct);

    /// <summary>Get Instruments Info for one linear symbol. https://bybit-exchange.github.io/docs/v5/market/instrument</summary>
    public Task<BybitList<BybitInstrument>> InstrumentAsync(string symbol, CancellationToken ct) =>
        transport.PublicGetAsync("/v5/market/instruments-info", new QueryString().Add("category", "linear").Add("symbol", symbol), BybitJson.Default.BybitResponseBybitListBybitInstrument, ct);

    /// <summary>Get Tickers for one linear symbol. https://bybit-exchange.github.io/docs/v5/market/tickers</summary>
    public Task<BybitList<BybitTicker>> TickerAsync(string symbol, CancellationToken ct) =>
        transport.PublicGetAsync("/v5/market/tickers", new QueryString().Add("category", "linear").Add("symbol", symbol), BybitJson.Default.BybitResponseBybitListBybitTicker, ct);
}

/// <summary>Trade endpoints (https://bybit-exchange.github.io/docs/v5/order/create-order and siblings).</summary>
internal sealed class BybitTradeEndpoints(BybitTransport transport)
{
    /// <summary>Place Order, 10/s per UID; an acknowledgement only. https://bybit-exchange.github.io/docs/v5/order/create-order</summary>
    public Task<BybitOrderAck> CreateOrderAsync(string body, CancellationToken ct) =>
        transport.SignedPostAsync("/v5/order/create", body, BybitJson.Default.BybitResponseBybitOrderAck, ct);

    /// <summary>Get Open &amp; Closed Orders by <c>orderLinkId</c>, 50/s. https://bybit-exchange.github.io/docs/v5/order/open-order</summary>
    public Task<BybitList<BybitOrder>> OrderByLinkIdAsync(string symbol, string orderLinkId, CancellationToken ct) =>
        transport.SignedGetAsync(
            "/v5/order/realtime",
            new QueryString().Add("category", "linear").Add("symbol", symbol).Add("orderLinkId", orderLinkId),
            BybitJson.Default.BybitResponseBybitListBybitOrder,
            ct);

    /// <summary>Cancel Order by <c>orderLinkId</c>, 10/s. https://bybit-exchange.github.io/docs/v5/order/cancel-order</summary>
    public Task<BybitOrderAck> CancelOrderAsync(string symbol, string orderLinkId, CancellationToken ct) =>
        transport.SignedPostAsync("/v5/order/cancel", BybitMapper.Cancel(symbol, orderLinkId), BybitJson.Default.BybitResponseBybitOrderAck, ct);
}

/// <summary>Position endpoints (https://bybit-exchange.github.io/docs/v5/position).</summary>
internal sealed class BybitPositionEndpoints(BybitTransport transport)
{
    /// <summary>Set Leverage (buy = sell, one-way mode), 10/s. https://bybit-exchange.github.io/docs/v5/position/leverage</summary>
    public Task<BybitEmpty> SetLeverageAsync(string symbol, int leverage, CancellationToken ct) =>
        transport.SignedPostAsync("/v5/position/set-leverage", BybitMapper.SetLeverage(symbol, leverage), BybitJson.Default.BybitResponseBybitEmpty, ct);

    /// <summary>Get Position Info of every USDT-settled linear position, 50/s. https://bybit-exchange.github.io/docs/v5/position</summary>
    public Task<BybitList<BybitPosition>> PositionsAsync(CancellationToken ct) =>
        transport.SignedGetAsync(
            "/v5/position/list",
            new QueryString().Add("category", "linear").Add("settleCoin", "USDT").Add("limit", 200),
            BybitJson.Default.BybitResponseBybitListBybitPosition,
            ct);

    /// <summary>Get Closed PnL since a time (at most 7 days back). https://bybit-exchange.github.io/docs/v5/position/close-pnl</summary>
    public Task<BybitList<BybitClosedPnl>> ClosedPnlAsync(long startTimeMs, CancellationToken ct) =>
        transport.SignedGetAsync(
            "/v5/position/closed-pnl",
            new QueryString().Add("category", "linear").Add("startTime", startTimeMs).Add("limit", 100),
            BybitJson.Default.BybitResponseBybitListBybitClosedPnl,
            ct);
}

/// <summary>Account endpoints (https://bybit-exchange.github.io/docs/v5/account/wallet-balance).</summary>
internal sealed class BybitAccountEndpoints(BybitTransport transport)
{
    /// <summary>Get Wallet Balance of the unified account's USDT, 50/s. https://bybit-exchange.github.io/docs/v5/account/wallet-balance</summary>
    public Task<BybitList<BybitWallet>> WalletBalanceAsync(CancellationToken ct) =>
        transport.SignedGetAsync(
            "/v5/account/wallet-balance",
            new QueryString().Add("accountType", "UNIFIED").Add("coin", "USDT"),
            BybitJson.Default.BybitResponseBybitListBybitWallet,
            ct);
}
