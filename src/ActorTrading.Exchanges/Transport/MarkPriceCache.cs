using System.Collections.Concurrent;

namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// Mark prices of one venue host, each kept for <see cref="Freshness"/>: public market data is the same for every
/// account, so a node reads it once per (host, symbol), not once per subscription (clients on the host's pooled
/// connection share it, as they share <see cref="SymbolFilterCache"/>). Readers that come while a read is in flight
/// join it; a failed read is not kept, so the next reader asks again.
/// </summary>
internal sealed class MarkPriceCache(TimeProvider time, Func<string, CancellationToken, Task<decimal>> load)
{
    /// <summary>How long a mark price is served after it was read: short against a mark price that moves every few
    /// seconds, long enough that one signal's thousands of subscriptions cost one request.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, Task<(decimal Price, DateTimeOffset ReadAt)>> _bySymbol = new(StringComparer.Ordinal);

    public async Task<decimal> GetAsync(string symbol, CancellationToken cancellationToken)
    {
        if (!_bySymbol.TryGetValue(symbol, out var read) || !Usable(read))
        {
            // One read starts per symbol: the check and the start under one lock (the start only begins the request).
            lock (_lock)
            {
                if (!_bySymbol.TryGetValue(symbol, out read) || !Usable(read))
                {
                    read = _bySymbol[symbol] = ReadAsync(symbol);
                }
            }
        }

        // A reader that gives up leaves the read running for the others.
        return (await read.WaitAsync(cancellationToken)).Price;
    }

    private bool Usable(Task<(decimal Price, DateTimeOffset ReadAt)> read) =>
        !read.IsCompleted || (read.IsCompletedSuccessfully && time.GetUtcNow() - read.Result.ReadAt < Freshness);

    private async Task<(decimal Price, DateTimeOffset ReadAt)> ReadAsync(string symbol)
    {
        // Not the first reader's token: the others wait on this read too. The caller's ExchangeDeadline still bounds it.
        var price = await load(symbol, CancellationToken.None);
        return (price, time.GetUtcNow());
    }
}
