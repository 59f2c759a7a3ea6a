using System.Collections.Concurrent;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Binance;

/// <summary>
/// The ORDERS windows (10 s and 1 m) of every API key on one host. Binance counts orders per account,
/// not per client object: every transport of one key spends the same windows, and a limit read from
/// exchangeInfo by any transport of the host applies to every key, including keys first seen later.
/// </summary>
internal sealed class BinanceOrderWindows(double headroom, TimeProvider time)
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, (RateWindow TenSeconds, RateWindow OneMinute)> _byKey = new(StringComparer.Ordinal);
    private int _limit10s = 300;
    private int _limit1m = 1200;

    /// <summary>The windows of <paramref name="apiKey"/>, created with the limits the host knows.</summary>
    public (RateWindow TenSeconds, RateWindow OneMinute) For(string apiKey)
    {
        if (_byKey.TryGetValue(apiKey, out var windows))
        {
            return windows;
        }

        // Under the lock that ObserveLimit holds: a key is created either before a new limit (and updated by it) or after (and reads it).
        lock (_lock)
        {
            return _byKey.GetOrAdd(apiKey, _ =>
                (new RateWindow("ORDERS 10s", _limit10s, TenSeconds, headroom, time),
                 new RateWindow("ORDERS 1m", _limit1m, OneMinute, headroom, time)));
        }
    }

    /// <summary>exchangeInfo names the ORDERS limit of a window: every key's window takes it.</summary>
    public void ObserveLimit(TimeSpan window, int limit)
    {
        var tenSeconds = window == TenSeconds;
        if (limit <= 0 || (!tenSeconds && window != OneMinute))
        {
            return;
        }

        lock (_lock)
        {
            if (tenSeconds)
            {
                _limit10s = limit;
            }
            else
            {
                _limit1m = limit;
            }

            foreach (var windows in _byKey.Values)
            {
                (tenSeconds ? windows.TenSeconds : windows.OneMinute).ObserveLimit(limit);
            }
        }
    }
}
