using System.Collections.Concurrent;

namespace ActorTrading.ExchangeSimulator;

/// <summary>Fixed clock-aligned windows, as the venues count: Binance weight per minute, orders per 10 s and per minute; Bybit per endpoint per second.</summary>
internal sealed class SimRateLimits(SimulatorState state)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="cost"/> to the window; returns the count after it and the window's end (Unix ms).</summary>
    public (int Used, long ResetAtMs) Add(string key, TimeSpan length, int cost)
    {
        var window = _windows.GetOrAdd(key, _ => new Window());
        var lengthMs = (long)length.TotalMilliseconds;
        var now = state.NowMs;
        var start = now - (now % lengthMs);
        lock (window)
        {
            if (window.Start != start)
            {
                window.Start = start;
                window.Used = 0;
            }

            window.Used += cost;
            return (window.Used, start + lengthMs);
        }
    }

    private sealed class Window
    {
        public long Start;
        public int Used;
    }
}
