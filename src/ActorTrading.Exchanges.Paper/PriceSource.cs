namespace ActorTrading.Exchanges.Paper;

/// <summary>Where the paper exchange's prices come from.</summary>
public interface IPriceSource
{
    /// <summary>The current price of <paramref name="symbol"/>, or null when the source has none.</summary>
    decimal? PriceOf(string symbol);
}

/// <summary>A price source that moves by itself, one step at a time: a node steps it on a timer and then fires the stop-losses
/// and take-profits the new prices cross (<see cref="PaperExchange.CheckTriggers"/>).</summary>
public interface IMovingPriceSource : IPriceSource
{
    /// <summary>Moves to the next prices.</summary>
    void Step();
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
public sealed class RandomWalkPrices(double volatilityPerStep = 0.001, int? seed = null) : IMovingPriceSource
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

/// <summary>
/// Prices that follow a script: per symbol, the prices of successive steps (a rehearsed market: a drop through a stop-loss,
/// a rally to a take-profit). A symbol starts at its first price and holds its last one once its script has run out.
/// Symbols without a script have no price.
/// </summary>
public sealed class ScriptedPrices : IMovingPriceSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, decimal[]> _script;
    private int _step;

    /// <summary>Starts at the first price of each symbol's script.</summary>
    /// <exception cref="ArgumentException">A script is empty or holds a price of zero or below (named with its symbol and step).</exception>
    public ScriptedPrices(IReadOnlyDictionary<string, IReadOnlyList<decimal>> script)
    {
        foreach (var (symbol, prices) in script)
        {
            if (prices.Count == 0)
            {
                throw new ArgumentException($"{symbol}: the script has no price", nameof(script));
            }

            for (var step = 0; step < prices.Count; step++)
            {
                if (prices[step] <= 0)
                {
                    throw new ArgumentException($"{symbol}[{step}]: {prices[step]} is not a price (must be above zero)", nameof(script));
                }
            }
        }

        _script = script.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>How many steps have been taken.</summary>
    public int Steps
    {
        get
        {
            lock (_lock)
            {
                return _step;
            }
        }
    }

    /// <inheritdoc/>
    public void Step()
    {
        lock (_lock)
        {
            _step++;
        }
    }

    /// <inheritdoc/>
    public decimal? PriceOf(string symbol)
    {
        lock (_lock)
        {
            return _script.TryGetValue(symbol, out var prices) ? prices[Math.Min(_step, prices.Length - 1)] : null;
        }
    }
}
