using System.Collections.Concurrent;
using ActorTrading.Exchanges.Transport;
using Polly;

namespace ActorTrading.Exchanges.Binance;

/// <summary>
/// One account on Binance USD-M futures (one-way mode, USDT-margined perpetuals). Idempotent calls are
/// retried with backoff and jitter; orders are placed at most once (query by client order id before any
/// second attempt). Thread-safe; create one per account with <see cref="ExchangeAccountFactory"/>.
/// </summary>
public sealed class BinanceClient : IExchangeAccount
{
    private readonly ResiliencePipeline _retry;
    private readonly SymbolFilterCache _filters;
    private readonly MarkPriceCache _markPrices;
    // Client ids of the stop-losses and take-profits this client placed: their cancel goes to the algo endpoint first.
    private readonly ConcurrentDictionary<string, byte> _algoOrders = new(StringComparer.Ordinal);

    /// <summary>A client for one account at <paramref name="baseUrl"/>.</summary>
    public BinanceClient(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings)
        : this(baseUrl, credentials, settings, TimeProvider.System, null)
    {
    }

    internal BinanceClient(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings, TimeProvider time, HttpClient? http)
    {
        Transport = new BinanceTransport(baseUrl, credentials, settings, time, http);
        Market = new BinanceMarketEndpoints(Transport);
        Trade = new BinanceTradeEndpoints(Transport);
        Account = new BinanceAccountEndpoints(Transport);
        _retry = Resilience.Pipeline(settings, time);
        // With the host's pooled client, the filters are the host's: one exchangeInfo for every account on it, not one each.
        _filters = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "binance-filters", () => new SymbolFilterCache(ExchangeName.Binance, settings.FilterRefreshInterval, time, LoadFiltersAsync))
            : new SymbolFilterCache(ExchangeName.Binance, settings.FilterRefreshInterval, time, LoadFiltersAsync);
        // Public market data, the same for every account: one read per symbol for every account on the host.
        _markPrices = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "binance-mark-prices", () => new MarkPriceCache(time, ReadMarkPriceAsync))
            : new MarkPriceCache(time, ReadMarkPriceAsync);
    }

    /// <inheritdoc/>
    public ExchangeName Exchange => ExchangeName.Binance;

    internal BinanceTransport Transport { get; }

    internal BinanceMarketEndpoints Market { get; }

    internal BinanceTradeEndpoints Trade { get; }

    internal BinanceAccountEndpoints Account { get; }

    /// <summary>The venue's mark price of <paramref name="symbol"/>, read at most once per <see cref="MarkPriceCache.Freshness"/> (1 s)
    /// for every account on the host; a reader that comes while a read is in flight joins it.</summary>
    public Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default) =>
        _markPrices.GetAsync(symbol, cancellationToken);

    /// <inheritdoc/>
    public Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default) =>
        _filters.GetAsync(symbol, cancellationToken);

    /// <inheritdoc/>
    public Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default) =>
        Retry(ct => Trade.ChangeLeverageAsync(symbol, leverage, ct), cancellationToken);

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default)
    {
        var request = BinanceMapper.NewMarketOrder(order);
        return Resilience.PlaceOnceAsync(
            _retry,
            async ct => BinanceMapper.ToOrder(await Trade.NewOrderAsync(request, ct)),
            ct => QueryOnceAsync(order.Symbol, order.ClientOrderId, ct),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default)
    {
        var request = BinanceMapper.NewProtectiveOrder(order);
        return Resilience.PlaceOnceAsync(
            _retry,
            async ct =>
            {
                var placed = BinanceMapper.ToOrder(await Trade.NewAlgoOrderAsync(request, ct));
                _algoOrders[order.ClientOrderId] = 0;
                return placed;
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
                // One we placed as an algo order: two requests fewer than trying the plain endpoint first (a close cancels two).
                // Gone already (triggered, or cancelled by an earlier attempt whose answer was lost) is not an error either.
                if (_algoOrders.ContainsKey(clientOrderId))
                {
                    await TryCancelAlgoAsync(clientOrderId, ct);
                    _algoOrders.TryRemove(clientOrderId, out _);
                    return true;
                }

                try
                {
                    await Trade.CancelOrderAsync(symbol, clientOrderId, ct);
                    return true;
                }
                catch (ExchangeException e) when (BinanceErrors.Is(e, BinanceErrors.CancelRejected) || BinanceErrors.Is(e, BinanceErrors.OrderDoesNotExist))
                {
                    // Not a plain order (or already gone): it may be a stop-loss / take-profit on the algo endpoint.
                }

                await TryCancelAlgoAsync(clientOrderId, ct);
                _algoOrders.TryRemove(clientOrderId, out _);
                return true;
            },
            cancellationToken);

    /// <summary>Cancels an algo order; false when the venue has none open by that id (already gone, or not an algo order).</summary>
    private async Task<bool> TryCancelAlgoAsync(string clientOrderId, CancellationToken ct)
    {
        try
        {
            await Trade.CancelAlgoOrderAsync(clientOrderId, ct);
            return true;
        }
        catch (ExchangeException e) when (BinanceErrors.Is(e, BinanceErrors.CancelRejected) || BinanceErrors.Is(e, BinanceErrors.OrderDoesNotExist))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default) =>
        Retry<IReadOnlyList<Position>>(
            async ct => (await Trade.PositionRiskAsync(ct))
                .Where(row => WireFormat.ParseDecimal(row.PositionAmt) != 0)
                .Select(BinanceMapper.ToPosition)
                .ToList(),
            cancellationToken);

    /// <inheritdoc/>
    public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default) =>
        Retry(
            async ct =>
            {
                var usdt = (await Account.BalanceAsync(ct)).FirstOrDefault(row => row.Asset == "USDT");
                return usdt is null
                    ? new Balance("USDT", 0m, 0m)
                    : new Balance("USDT", WireFormat.ParseDecimal(usdt.Balance), WireFormat.ParseDecimal(usdt.AvailableBalance));
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Retry(
            async ct => (await Account.RealizedPnlAsync(since.ToUnixTimeMilliseconds(), ct)).Sum(row => WireFormat.ParseDecimal(row.Income)),
            cancellationToken);

    private async Task<ExchangeOrder?> QueryOnceAsync(string symbol, string clientOrderId, CancellationToken ct)
    {
        try
        {
            return BinanceMapper.ToOrder(await Trade.QueryOrderAsync(symbol, clientOrderId, ct));
        }
        catch (ExchangeException e) when (BinanceErrors.Is(e, BinanceErrors.OrderDoesNotExist))
        {
            // Not a plain order: stop-losses and take-profits live on the algo endpoint.
        }

        try
        {
            return BinanceMapper.ToOrder(await Trade.QueryAlgoOrderAsync(clientOrderId, ct));
        }
        catch (ExchangeException e) when (BinanceErrors.Is(e, BinanceErrors.OrderDoesNotExist))
        {
            return null;
        }
    }

    private Task<decimal> ReadMarkPriceAsync(string symbol, CancellationToken cancellationToken) =>
        Retry(async ct => WireFormat.ParseDecimal((await Market.MarkPriceAsync(symbol, ct)).MarkPrice), cancellationToken);

    private async Task<IReadOnlyDictionary<string, SymbolFilters>> LoadFiltersAsync(string symbol, CancellationToken cancellationToken) =>
        await Retry(
            async ct =>
            {
                var info = await Market.ExchangeInfoAsync(ct);
                Transport.ObserveRateLimits(info.RateLimits);
                return info.Symbols.ToDictionary(s => s.Symbol, BinanceMapper.ToFilters, StringComparer.Ordinal);
            },
            cancellationToken);

    private async Task<T> Retry<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await call(ct), cancellationToken);
}
