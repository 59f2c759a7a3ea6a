namespace ActorTrading.Exchanges.Paper;

/// <summary>Where the paper exchange's prices come from.</summary>
public interface IPriceSource
{
    /// <summary>The current price of <paramref name="symbol"/>, or null when the source has none.</summary>
    decimal? PriceOf(string symbol);
}

/// <summary>Fixed prices, changed by hand (tests, demos).</summary>
public sealed class FixedPrices : IPriceSource
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, decimal> _prices = new(StringComparer.Ordinal);

    /// <summary>Starts with <paramref name="prices"/>.</summary>
    public FixedPrices(IReadOnlyDictionary<string, decimal>? prices = null)
    {
        foreach (var (symbol, price) in prices ?? PaperSymbols.ReferencePrices)
        {
            _prices[symbol] = price;
        }
    }

    /// <summary>Sets a price.</summary>
    public void Set(string symbol, decimal price)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(price);
        _prices[symbol] = price;
    }

    /// <inheritdoc/>
    public decimal? PriceOf(string symbol) => _prices.TryGetValue(symbol, out var price) ? price : null;
}

/// <summary>A random walk around reference prices, stepped by <see cref="Step"/> (a demo's moving market).</summary>
public sealed class RandomWalkPrices(double volatilityPerStep = 0.001, int? seed = null) : IPriceSource
{
    private readonly Lock _lock = new();
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    private readonly Dictionary<string, decimal> _prices = new(PaperSymbols.ReferencePrices, StringComparer.Ordinal);

    /// <summary>Moves every price by a random relative step.</summary>
    public void Step()
    {
        lock (_lock)
        {
            foreach (var symbol in _prices.Keys.ToList())
            {
                var change = (decimal)(((_random.NextDouble() * 2) - 1) * volatilityPerStep);
                _prices[symbol] = Math.Max(0.0001m, _prices[symbol] * (1 + change));
            }
        }
    }

    /// <inheritdoc/>
    public decimal? PriceOf(string symbol)
    {
        lock (_lock)
        {
            return _prices.TryGetValue(symbol, out var price) ? price : null;
        }
    }
}
