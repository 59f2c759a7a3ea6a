using ActorTrading.Exchanges.Transport;
using Polly;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>
/// One account on Bybit V5, linear USDT perpetuals, one-way mode. Idempotent calls are retried with backoff
/// and jitter; orders are placed at most once (query by <c>orderLinkId</c> before any second attempt).
/// Thread-safe; create one per account with <see cref="ExchangeAccountFactory"/>.
/// </summary>
public sealed class BybitClient : IExchangeAccount
{
    private readonly ResiliencePipeline _retry;
    private readonly SymbolFilterCache _filters;
    private readonly MarkPriceCache _markPrices;

    /// <summary>A client for one account at <paramref name="baseUrl"/>.</summary>
    public BybitClient(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings)
        : this(baseUrl, credentials, settings, TimeProvider.System, null)
    {
    }

    internal BybitClient(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings, TimeProvider time, HttpClient? http)
    {
        Transport = new BybitTransport(baseUrl, credentials, settings, time, http);
        Market = new BybitMarketEndpoints(Transport);
        Trade = new BybitTradeEndpoints(Transport);
        Position = new BybitPositionEndpoints(Transport);
        Account = new BybitAccountEndpoints(Transport);
        _retry = Resilience.Pipeline(settings, time);
        // With the host's pooled client, the filters are the host's: one instruments-info per symbol for every account on it.
        _filters = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "bybit-filters", () => new SymbolFilterCache(ExchangeName.Bybit, settings.FilterRefreshInterval, time, LoadFiltersAsync))
            : new SymbolFilterCache(ExchangeName.Bybit, settings.FilterRefreshInterval, time, LoadFiltersAsync);
        // Public market data, the same for every account: one read per symbol for every account on the host.
        _markPrices = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "bybit-mark-prices", () => new MarkPriceCache(time, ReadMarkPriceAsync))
            : new MarkPriceCache(time, ReadMarkPriceAsync);
    }

    /// <inheritdoc/>
    public ExchangeName Exchange => ExchangeName.Bybit;

    internal BybitTransport Transport { get; }

    internal BybitMarketEndpoints Market { get; }

    internal BybitTradeEndpoints Trade { get; }

    internal BybitPositionEndpoints Position { get; }

    internal BybitAccountEndpoints Account { get; }

    /// <summary>The venue's mark price of <paramref name="symbol"/>, read at most once per <see cref="MarkPriceCache.Freshness"/> (1 s)
    /// for every account on the host; a reader that comes while a read is in flight joins it.</summary>
    public Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default) =>
        _markPrices.GetAsync(symbol, cancellationToken);

    /// <inheritdoc/>
    public Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default) =>
        _filters.GetAsync(symbol, cancellationToken);

    /// <inheritdoc/>
    public Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default) =>
        Retry(
            async ct =>
            {
                try
                {
                    await Position.SetLeverageAsync(symbol, leverage, ct);
                }
                catch (ExchangeException e) when (BybitErrors.Is(e, BybitErrors.LeverageNotModified))
                {
                    // "Set leverage not modified": already at this leverage.
                }

                return true;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default)
    {
        var body = BybitMapper.NewMarketOrder(order);
        return Resilience.PlaceOnceAsync(
            _retry,
            async ct =>
            {
                var ack = await Trade.CreateOrderAsync(body, ct);
                return await ReadBackAsync(order.Symbol, order.ClientOrderId, ct) ?? BybitMapper.Acknowledged(order, ack);
            },
            ct => QueryOnceAsync(order.Symbol, order.ClientOrderId, ct),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default)
    {
        var body = BybitMapper.NewProtectiveOrder(order);
        return Resilience.PlaceOnceAsync(
            _retry,
            async ct =>
            {
                var ack = await Trade.CreateOrderAsync(body, ct);
                return await ReadBackAsync(order.Symbol, order.ClientOrderId, ct)
                    ?? new ExchangeOrder(order.Symbol, ack.OrderLinkId, ack.OrderId, order.Side, OrderStatus.New, 0m, 0m, 0m, ReduceOnly: true);
            },
            ct => QueryOnceAsync(order.Symbol, order.ClientOrderId, ct),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) =>
        Retry(ct => QueryOnceAsync(symbol, clientOrderId, ct), cancellationToken);

    /// <inheritdoc/>
    public Task CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) =>
        Retry(
            async ct =>
            {
                try
                {
                    await Trade.CancelOrderAsync(symbol, clientOrderId, ct);
                }
                catch (ExchangeException e) when (BybitErrors.Is(e, BybitErrors.OrderDoesNotExist))
                {
                    // Already filled, cancelled or never there: not an error.
                }

                return true;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default) =>
        Retry<IReadOnlyList<Position>>(
            async ct => (await Position.PositionsAsync(ct)).List
                .Where(row => WireFormat.ParseDecimal(row.Size) != 0)
                .Select(BybitMapper.ToPosition)
                .ToList(),
            cancellationToken);

    /// <inheritdoc/>
    public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default) =>
        Retry(
            async ct =>
            {
                var wallet = (await Account.WalletBalanceAsync(ct)).List is [var first, ..] ? first : null;
                var usdt = wallet?.Coin.FirstOrDefault(c => c.Coin == "USDT");
                return new Balance("USDT", WireFormat.ParseDecimal(usdt?.WalletBalance), WireFormat.ParseDecimal(wallet?.TotalAvailableBalance));
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Retry(
            async ct => (await Position.ClosedPnlAsync(since.ToUnixTimeMilliseconds(), ct)).List.Sum(row => WireFormat.ParseDecimal(row.ClosedPnl)),
            cancellationToken);

    private async Task<ExchangeOrder?> QueryOnceAsync(string symbol, string clientOrderId, CancellationToken ct)
    {
        var row = (await Trade.OrderByLinkIdAsync(symbol, clientOrderId, ct)).List is [var first, ..] ? first : null;
        return row is null ? null : BybitMapper.ToOrder(row);
    }

    /// <summary>After the acknowledgement the order is read back once for its fill; a failed read is not a failed order.</summary>
    private async Task<ExchangeOrder?> ReadBackAsync(string symbol, string clientOrderId, CancellationToken ct)
    {
        try
        {
            return await QueryOnceAsync(symbol, clientOrderId, ct);
        }
        catch (ExchangeException e) when (e.Kind is ExchangeErrorKind.Retryable or ExchangeErrorKind.OutcomeUnknown)
        {
            return null;
        }
    }

    private Task<decimal> ReadMarkPriceAsync(string symbol, CancellationToken cancellationToken) =>
        Retry(
            async ct =>
            {
                var ticker = (await Market.TickerAsync(symbol, ct)).List is [var first, ..] ? first : throw new ExchangeException(ExchangeName.Bybit, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnknownSymbol, $"Bybit has no ticker for '{symbol}'");
                return WireFormat.ParseDecimal(ticker.MarkPrice);
            },
            cancellationToken);

    private async Task<IReadOnlyDictionary<string, SymbolFilters>> LoadFiltersAsync(string symbol, CancellationToken cancellationToken) =>
        await Retry<IReadOnlyDictionary<string, SymbolFilters>>(
            async ct => (await Market.InstrumentAsync(symbol, ct)).List.ToDictionary(i => i.Symbol, BybitMapper.ToFilters, StringComparer.Ordinal),
            cancellationToken);

    private async Task<T> Retry<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await call(ct), cancellationToken);
}
