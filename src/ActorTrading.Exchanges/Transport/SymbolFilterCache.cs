using System.Collections.Concurrent;

namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// Symbol filters of one venue host, each kept for a refresh interval: the one cache of them (clients on the host's pooled
/// connection share it; the account gateway keeps none of its own). The loader answers for the symbol
/// asked (Binance returns every symbol from one exchangeInfo call, Bybit the one instrument); a symbol still
/// unknown after a fresh load is reported as such.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
internal sealed class SymbolFilterCache(
    ExchangeName exchange,
    TimeSpan refreshInterval,
    TimeProvider time,
    Func<string, CancellationToken, Task<IReadOnlyDictionary<string, SymbolFilters>>> load)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, (SymbolFilters Filters, long LoadedAt)> _filters = new(StringComparer.Ordinal);

    public async Task<SymbolFilters> GetAsync(string symbol, CancellationToken cancellationToken)
    {
        if (TryFresh(symbol, out var cached))
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (TryFresh(symbol, out cached))
            {
                return cached;
            }

            var loaded = await load(symbol, cancellationToken);
            var at = time.GetTimestamp();
            foreach (var (name, filters) in loaded)
            {
                _filters[name] = (filters, at);
            }
        }
        finally
        {
            _gate.Release();
        }

        return TryFresh(symbol, out cached)
            ? cached
            : throw new ExchangeException(exchange, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnknownSymbol, $"{exchange} lists no symbol '{symbol}'");
    }

    private bool TryFresh(string symbol, out SymbolFilters filters)
    {
        if (_filters.TryGetValue(symbol, out var entry) && time.GetElapsedTime(entry.LoadedAt) < refreshInterval)
        {
            filters = entry.Filters;
            return true;
        }

        filters = null!;
        return false;
    }
}
