using System.Collections.Concurrent;

namespace ActorTrading.ExchangeSimulator;

/// <summary>Why the simulated matching engine refused a request; each venue maps it to its own code.</summary>
public enum SimRejection
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>The client order id was used before on this account.</summary>
    DuplicateClientOrderId,

    /// <summary>A reduce-only order with no position to reduce on that side.</summary>
    ReduceOnlyRejected,

    /// <summary>Quantity below the minimum.</summary>
    QuantityTooSmall,

    /// <summary>Quantity above the market maximum.</summary>
    QuantityTooLarge,

    /// <summary>Quantity not a multiple of the step.</summary>
    QuantityStep,

    /// <summary>Notional below the minimum.</summary>
    NotionalTooSmall,

    /// <summary>No such symbol.</summary>
    UnknownSymbol,

    /// <summary>Leverage outside [1, max].</summary>
    InvalidLeverage,

    /// <summary>Leverage already at that value.</summary>
    LeverageNotModified,

    /// <summary>No such order.</summary>
    OrderNotFound,

    /// <summary>Not enough available balance.</summary>
    InsufficientMargin,
}

/// <summary>An account on one venue of the simulator.</summary>
public sealed class SimAccount(Venue venue, string apiKey, string apiSecret, decimal balance)
{
    internal readonly Dictionary<string, int> Leverage = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, (decimal Quantity, decimal Entry)> Positions = new(StringComparer.Ordinal);
    internal readonly List<(string Symbol, decimal Pnl, long Time)> RealizedPnl = [];
    internal readonly Dictionary<string, SimOrder> OrdersByClientId = new(StringComparer.Ordinal);

    /// <summary>The venue.</summary>
    public Venue Venue { get; } = venue;

    /// <summary>The API key.</summary>
    public string ApiKey { get; } = apiKey;

    /// <summary>The API secret.</summary>
    public string ApiSecret { get; } = apiSecret;

    /// <summary>Wallet balance in USDT (deposits plus realized profit and loss).</summary>
    public decimal WalletBalance { get; internal set; } = balance;
}

/// <summary>
/// The simulator's whole state: symbols, scripted prices, accounts, the order log, faults and limits. One lock
/// guards the matching state; tests read it directly or through <c>/_sim</c>.
/// </summary>
public sealed class SimulatorState
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<(Venue, string), SimAccount> _accounts = new();
    private readonly Dictionary<string, decimal> _prices = new(StringComparer.Ordinal);
    private readonly List<SimOrder> _log = [];
    // Where each order sits in the log: a cancel found it by a scan of the whole log, under the lock (quadratic over a run).
    private readonly Dictionary<long, int> _logIndex = [];
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private long _nextOrderId = 4_000_000_000;
    private FaultSettings _faults = new();
    private static readonly FaultSettings NoFaults = new();
    private Random _random = new(1);
    private int _faultedCalls;

    /// <summary>A state with BTCUSDT at 60000 and ETHUSDT at 3000.</summary>
    public SimulatorState(SimulatorLimits? limits = null)
    {
        Limits = limits ?? new SimulatorLimits();
        Symbols = new Dictionary<string, SimSymbol>(StringComparer.Ordinal)
        {
            ["BTCUSDT"] = new("BTCUSDT", 0.10m, 0.001m, 0.001m, 120m, 100m, 5m, 125),
            ["ETHUSDT"] = new("ETHUSDT", 0.01m, 0.001m, 0.001m, 2000m, 20m, 5m, 100),
        };
        _prices["BTCUSDT"] = 60000m;
        _prices["ETHUSDT"] = 3000m;
    }

    /// <summary>The listed symbols.</summary>
    public IReadOnlyDictionary<string, SimSymbol> Symbols { get; }

    /// <summary>Enforced rate limits.</summary>
    public SimulatorLimits Limits { get; }

    /// <summary>Server time minus real time, in ms (to provoke -1021 / 10002).</summary>
    public long ClockOffsetMs { get; set; }

    /// <summary>The server's clock in Unix ms.</summary>
    public long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + ClockOffsetMs;

    /// <summary>The current faults.</summary>
    public FaultSettings Faults
    {
        get { lock (_lock) { return _faults; } }
        set
        {
            lock (_lock)
            {
                _faults = value;
                _random = new Random(value.Seed);
                _faultedCalls = 0;
            }
        }
    }

    /// <summary>How many requests reached <paramref name="path"/> (for example <c>/fapi/v1/exchangeInfo</c>).</summary>
    public int RequestCount(string path) => _requests.GetValueOrDefault(path);

    /// <summary>How many <paramref name="method"/> requests reached <paramref name="path"/> (a place and a cancel share a path).</summary>
    public int RequestCount(string method, string path) => _requests.GetValueOrDefault(method + " " + path);

    internal void CountRequest(string method, string path)
    {
        _requests.AddOrUpdate(path, 1, static (_, n) => n + 1);
        _requests.AddOrUpdate(method + " " + path, 1, static (_, n) => n + 1);
    }

    /// <summary>Registers (or replaces) an API key pair on both venues with a USDT balance.</summary>
    public void RegisterAccount(string apiKey, string apiSecret, decimal balance = 10_000m)
    {
        _accounts[(Venue.Binance, apiKey)] = new SimAccount(Venue.Binance, apiKey, apiSecret, balance);
        _accounts[(Venue.Bybit, apiKey)] = new SimAccount(Venue.Bybit, apiKey, apiSecret, balance);
    }

    /// <summary>The account of <paramref name="apiKey"/> on <paramref name="venue"/>, or null.</summary>
    public SimAccount? Account(Venue venue, string apiKey) => _accounts.GetValueOrDefault((venue, apiKey));

    /// <summary>The scripted price (mark = last = fill price) of <paramref name="symbol"/>.</summary>
    public decimal Price(string symbol)
    {
        lock (_lock)
        {
            return _prices.GetValueOrDefault(symbol);
        }
    }

    /// <summary>Scripts the price; stop-loss and take-profit orders it crosses are triggered and fill at it.</summary>
    public void SetPrice(string symbol, decimal price)
    {
        lock (_lock)
        {
            _prices[symbol] = price;
            foreach (var account in _accounts.Values)
            {
                foreach (var order in account.OrdersByClientId.Values.Where(o => o.Symbol == symbol && o.Status == "NEW" && o.TriggerPrice > 0).ToList())
                {
                    var sell = order.Side == "SELL";
                    var stop = order.Type == "STOP_MARKET";
                    var fires = stop == sell ? price <= order.TriggerPrice : price >= order.TriggerPrice;
                    if (!fires)
                    {
                        continue;
                    }

                    var position = account.Positions.GetValueOrDefault(symbol).Quantity;
                    var closes = sell ? position > 0 : position < 0;
                    var quantity = closes ? Math.Abs(position) : 0m;
                    if (quantity > 0)
                    {
                        Fill(account, symbol, sell ? -quantity : quantity, price);
                    }

                    Replace(account, order with { Status = "FILLED", ExecutedQuantity = quantity, AveragePrice = quantity > 0 ? price : 0m });
                }
            }
        }
    }

    /// <summary>Every order the simulator accepted, oldest first.</summary>
    public IReadOnlyList<SimOrder> Orders()
    {
        lock (_lock)
        {
            return _log.ToList();
        }
    }

    /// <summary>A market order, filled at once at the scripted price.</summary>
    public (SimRejection Rejection, SimOrder? Order) PlaceMarket(SimAccount account, string symbol, string side, decimal quantity, bool reduceOnly, string clientOrderId)
    {
        lock (_lock)
        {
            if (!Symbols.TryGetValue(symbol, out var spec))
            {
                return (SimRejection.UnknownSymbol, null);
            }

            if (account.OrdersByClientId.ContainsKey(clientOrderId))
            {
                return (SimRejection.DuplicateClientOrderId, null);
            }

            var price = _prices[symbol];
            var position = account.Positions.GetValueOrDefault(symbol).Quantity;
            var sell = side == "SELL";
            if (reduceOnly)
            {
                var reduces = sell ? position > 0 : position < 0;
                if (!reduces)
                {
                    return (SimRejection.ReduceOnlyRejected, null);
                }

                quantity = Math.Min(quantity, Math.Abs(position));
            }

            var check = Check(account.Venue, spec, quantity, price, reduceOnly);
            if (check != SimRejection.None)
            {
                return (check, null);
            }

            var leverage = account.Leverage.GetValueOrDefault(symbol, 20);
            var opening = sell ? position <= 0 : position >= 0;
            if (opening && quantity * price / leverage > Available(account))
            {
                return (SimRejection.InsufficientMargin, null);
            }

            Fill(account, symbol, sell ? -quantity : quantity, price);
            var order = new SimOrder(account.Venue, account.ApiKey, ++_nextOrderId, clientOrderId, symbol, side, "MARKET", quantity, quantity, price, "FILLED", reduceOnly, false, 0m, NowMs);
            Record(account, order);
            return (SimRejection.None, order);
        }
    }

    /// <summary>A stop-loss (<c>STOP_MARKET</c>) or take-profit (<c>TAKE_PROFIT_MARKET</c>) that closes the position when the price crosses the trigger.</summary>
    public (SimRejection Rejection, SimOrder? Order) PlaceConditional(SimAccount account, string symbol, string side, string type, decimal triggerPrice, string clientOrderId)
    {
        lock (_lock)
        {
            if (!Symbols.ContainsKey(symbol))
            {
                return (SimRejection.UnknownSymbol, null);
            }

            if (account.OrdersByClientId.ContainsKey(clientOrderId))
            {
                return (SimRejection.DuplicateClientOrderId, null);
            }

            var order = new SimOrder(account.Venue, account.ApiKey, ++_nextOrderId, clientOrderId, symbol, side, type, 0m, 0m, 0m, "NEW", true, true, triggerPrice, NowMs);
            Record(account, order);
            return (SimRejection.None, order);
        }
    }

    /// <summary>The order with this client id, or null.</summary>
    public SimOrder? Find(SimAccount account, string clientOrderId)
    {
        lock (_lock)
        {
            return account.OrdersByClientId.GetValueOrDefault(clientOrderId);
        }
    }

    /// <summary>Cancels an open order.</summary>
    public (SimRejection Rejection, SimOrder? Order) Cancel(SimAccount account, string clientOrderId)
    {
        lock (_lock)
        {
            if (!account.OrdersByClientId.TryGetValue(clientOrderId, out var order) || order.Status != "NEW")
            {
                return (SimRejection.OrderNotFound, order);
            }

            var canceled = order with { Status = "CANCELED" };
            Replace(account, canceled);
            return (SimRejection.None, canceled);
        }
    }

    /// <summary>Sets the leverage of a symbol.</summary>
    public SimRejection SetLeverage(SimAccount account, string symbol, int leverage)
    {
        lock (_lock)
        {
            if (!Symbols.TryGetValue(symbol, out var spec))
            {
                return SimRejection.UnknownSymbol;
            }

            if (leverage < 1 || leverage > spec.MaxLeverage)
            {
                return SimRejection.InvalidLeverage;
            }

            if (account.Leverage.GetValueOrDefault(symbol, 20) == leverage && account.Venue == Venue.Bybit)
            {
                return SimRejection.LeverageNotModified;
            }

            account.Leverage[symbol] = leverage;
            return SimRejection.None;
        }
    }

    /// <summary>The leverage of a symbol (20 until set).</summary>
    public int LeverageOf(SimAccount account, string symbol)
    {
        lock (_lock)
        {
            return account.Leverage.GetValueOrDefault(symbol, 20);
        }
    }

    /// <summary>Open positions: symbol, signed quantity, entry price, unrealized PnL at the scripted price, leverage.</summary>
    public IReadOnlyList<(string Symbol, decimal Quantity, decimal Entry, decimal Unrealized, int Leverage)> Positions(SimAccount account)
    {
        lock (_lock)
        {
            return account.Positions
                .Where(p => p.Value.Quantity != 0)
                .Select(p => (p.Key, p.Value.Quantity, p.Value.Entry, (_prices[p.Key] - p.Value.Entry) * p.Value.Quantity, account.Leverage.GetValueOrDefault(p.Key, 20)))
                .ToList();
        }
    }

    /// <summary>Wallet balance and available balance (wallet minus the initial margin of open positions, plus unrealized PnL).</summary>
    public (decimal Wallet, decimal Available) BalanceOf(SimAccount account)
    {
        lock (_lock)
        {
            return (account.WalletBalance, Available(account));
        }
    }

    /// <summary>Realized PnL entries since a time.</summary>
    public IReadOnlyList<(string Symbol, decimal Pnl, long Time)> RealizedSince(SimAccount account, long sinceMs)
    {
        lock (_lock)
        {
            return account.RealizedPnl.Where(r => r.Time >= sinceMs).ToList();
        }
    }

    /// <summary>One draw of the fault dice for a request to <paramref name="path"/>.</summary>
    internal (FaultSettings Faults, double Draw, bool Delay) Roll(string method, string path)
    {
        lock (_lock)
        {
            var faults = _faults;
            if ((faults.PathPrefix is { } prefix && !path.StartsWith(prefix, StringComparison.Ordinal))
                || (faults.Method is { } only && !string.Equals(only, method, StringComparison.OrdinalIgnoreCase))
                || (faults.MaxFaultedCalls > 0 && ++_faultedCalls > faults.MaxFaultedCalls))
            {
                return (NoFaults, 1.0, false);
            }

            var delay = faults.LatencyRate > 0 && _random.NextDouble() < faults.LatencyRate;
            return (faults, _random.NextDouble(), delay);
        }
    }

    private static SimRejection Check(Venue venue, SimSymbol spec, decimal quantity, decimal price, bool reduceOnly)
    {
        if (quantity < spec.MinQuantity)
        {
            return SimRejection.QuantityTooSmall;
        }

        if (quantity > spec.MaxMarketQuantity)
        {
            return SimRejection.QuantityTooLarge;
        }

        if (quantity % spec.StepSize != 0)
        {
            return SimRejection.QuantityStep;
        }

        var minNotional = venue == Venue.Binance ? spec.BinanceMinNotional : spec.BybitMinNotional;
        return !reduceOnly && quantity * price < minNotional ? SimRejection.NotionalTooSmall : SimRejection.None;
    }

    private decimal Available(SimAccount account)
    {
        var margin = 0m;
        var unrealized = 0m;
        foreach (var (symbol, (quantity, entry)) in account.Positions)
        {
            margin += Math.Abs(quantity) * entry / account.Leverage.GetValueOrDefault(symbol, 20);
            unrealized += (_prices[symbol] - entry) * quantity;
        }

        return account.WalletBalance - margin + Math.Min(0m, unrealized);
    }

    private void Fill(SimAccount account, string symbol, decimal signedQuantity, decimal price)
    {
        var (quantity, entry) = account.Positions.GetValueOrDefault(symbol);
        var next = quantity + signedQuantity;
        if (quantity == 0 || Math.Sign(quantity) == Math.Sign(signedQuantity))
        {
            entry = next == 0 ? 0 : ((quantity * entry) + (signedQuantity * price)) / next;
        }
        else
        {
            var closed = Math.Min(Math.Abs(signedQuantity), Math.Abs(quantity));
            var pnl = (price - entry) * closed * Math.Sign(quantity);
            account.WalletBalance += pnl;
            account.RealizedPnl.Add((symbol, pnl, NowMs));
            if (Math.Sign(next) != Math.Sign(quantity) && next != 0)
            {
                entry = price; // flipped through zero
            }
        }

        account.Positions[symbol] = (next, next == 0 ? 0 : entry);
    }

    private void Record(SimAccount account, SimOrder order)
    {
        account.OrdersByClientId[order.ClientOrderId] = order;
        _logIndex[order.OrderId] = _log.Count;
        _log.Add(order);
    }

    private void Replace(SimAccount account, SimOrder order)
    {
        account.OrdersByClientId[order.ClientOrderId] = order;
        _log[_logIndex[order.OrderId]] = order;
    }
}
