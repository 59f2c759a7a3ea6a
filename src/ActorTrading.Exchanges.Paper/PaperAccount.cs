namespace ActorTrading.Exchanges.Paper;

/// <summary>
/// One paper account: one-way positions, leverage per symbol, isolated-margin checks, fills at the
/// mark price with slippage and a taker fee, and the realized profit and loss that feeds the daily loss limit.
/// All state changes under one lock. With a store (<see cref="IPaperAccountStore"/>) every change is saved before the call
/// that made it answers (a failed save answers "outcome unknown", as a venue whose answer was lost: the change stands, and the
/// next save carries it); without one, calls complete synchronously.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
public sealed class PaperAccount : IExchangeAccount, IDeferredSaving
{
    private const int DefaultLeverage = 20;
    private readonly PaperExchange _exchange;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (decimal Quantity, decimal EntryPrice)> _positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _leverage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExchangeOrder> _ordersById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProtectiveOrderRequest> _triggers = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, decimal Amount)> _realized = [];
    private List<string> _orderIds = [];
    private DateTimeOffset _realizedKeptSince = DateTimeOffset.MinValue;
    private long _nextOrderId = 1;
    private decimal _wallet;

    // Saves one at a time, each of the newest state: a change counter tells whether there is anything left to save.
    private readonly SemaphoreSlim _saving = new(1, 1);
    private long _changes;
    private long _savedChanges;
    private long _version;

    // What a save of changes carries beyond the small parts: the orders placed or changed and the fills since the last
    // save. A whole save comes first, every WholeSaveEvery versions and after a failed save (whose changes may be lost).
    private readonly List<string> _changedOrders = [];
    private int _unsavedFills;
    private bool _saveWhole = true;

    internal PaperAccount(PaperExchange exchange, string apiKey)
    {
        _exchange = exchange;
        ApiKey = apiKey;
        _wallet = exchange.Settings.StartingBalance;
    }

    internal PaperAccount(PaperExchange exchange, PaperAccountState state)
        : this(exchange, state.ApiKey)
    {
        _version = state.Version;
        _wallet = state.Wallet;
        _nextOrderId = state.NextOrderId;
        foreach (var position in state.Positions)
        {
            _positions[position.Symbol] = (position.Quantity, position.EntryPrice);
        }

        foreach (var leverage in state.Leverage)
        {
            _leverage[leverage.Symbol] = leverage.Leverage;
        }

        foreach (var order in state.Orders)
        {
            _ordersById[order.ClientOrderId] = order;
            _orderIds.Add(order.ClientOrderId);
        }

        foreach (var trigger in state.OpenProtectiveOrders)
        {
            _triggers[trigger.ClientOrderId] = trigger;
        }

        _realized.AddRange(state.Realized.Select(r => (r.At, r.Amount)));
        _realizedKeptSince = state.RealizedKeptSince;
        _saveWhole = false;

        // Saves of changes only add orders: the oldest finished ones are dropped here as they were in memory.
        ForgetOldFinishedOrders();
    }

    /// <summary>The account's key.</summary>
    public string ApiKey { get; }

    /// <inheritdoc/>
    public ExchangeName Exchange => ExchangeName.Paper;

    /// <summary>The orders this account keeps (every open one, the newest finished ones: <see cref="PaperExchangeSettings.FinishedOrdersKept"/>), oldest first.</summary>
    public IReadOnlyList<ExchangeOrder> Orders
    {
        get
        {
            lock (_lock)
            {
                return [.. _orderIds.Select(id => _ordersById[id])];
            }
        }
    }

    /// <summary>The leverage last set for <paramref name="symbol"/>.</summary>
    public int LeverageOf(string symbol)
    {
        lock (_lock)
        {
            return _leverage.GetValueOrDefault(symbol, DefaultLeverage);
        }
    }

    /// <inheritdoc/>
    public Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default) =>
        Task.FromResult(_exchange.MarkPrice(symbol));

    /// <inheritdoc/>
    public Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default) =>
        PaperExchange.FiltersTaskOf(symbol);

    /// <inheritdoc/>
    public Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default)
    {
        PaperExchange.FiltersOf(symbol);
        if (leverage is < 1 or > 125)
        {
            throw Rejected("invalid-leverage", $"leverage {leverage} is not between 1 and 125");
        }

        lock (_lock)
        {
            _leverage[symbol] = leverage;
            _changes++;
        }

        return SavedAsync();
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default)
    {
        var filters = PaperExchange.FiltersOf(order.Symbol);
        var mark = _exchange.MarkPrice(order.Symbol);
        lock (_lock)
        {
            EnsureNewClientOrderId(order.ClientOrderId);
            var position = _positions.GetValueOrDefault(order.Symbol);
            var signed = order.Side == OrderSide.Buy ? order.Quantity : -order.Quantity;
            var quantity = order.Quantity;
            if (order.ReduceOnly)
            {
                if (position.Quantity == 0 || Math.Sign(position.Quantity) == Math.Sign(signed))
                {
                    throw Rejected("reduce-only-rejected", "reduce-only order would not reduce the position");
                }

                // As the venues do: a reduce-only order larger than the position closes the position.
                quantity = Math.Min(quantity, Math.Abs(position.Quantity));
                signed = Math.Sign(signed) * quantity;
            }

            if (filters.Violation(quantity, mark) is { } violation && !order.ReduceOnly)
            {
                throw Rejected("filter-failure", violation);
            }

            var price = order.Side == OrderSide.Buy ? mark * (1 + _exchange.Settings.Slippage) : mark * (1 - _exchange.Settings.Slippage);
            price = filters.RoundPrice(price);
            var opening = position.Quantity == 0 || Math.Sign(position.Quantity) == Math.Sign(signed)
                ? quantity
                : Math.Max(0, quantity - Math.Abs(position.Quantity));
            var requiredMargin = opening * price / _leverage.GetValueOrDefault(order.Symbol, DefaultLeverage);
            if (requiredMargin > AvailableBalanceUnlocked())
            {
                throw Rejected("insufficient-margin", $"margin {requiredMargin:0.##} USDT is more than the available {AvailableBalanceUnlocked():0.##} USDT");
            }

            Fill(order.Symbol, signed, price);
            return SavedAsync(Record(new ExchangeOrder(order.Symbol, order.ClientOrderId, NextOrderId(), order.Side, OrderStatus.Filled, order.Quantity, quantity, price, order.ReduceOnly)));
        }
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default)
    {
        var filters = PaperExchange.FiltersOf(order.Symbol);
        if (order.TriggerPrice <= 0 || filters.RoundPrice(order.TriggerPrice) != order.TriggerPrice)
        {
            throw Rejected("filter-failure", $"trigger price {order.TriggerPrice} is not a positive multiple of the tick {filters.TickSize}");
        }

        var mark = _exchange.MarkPrice(order.Symbol);
        lock (_lock)
        {
            EnsureNewClientOrderId(order.ClientOrderId);

            // Binance refuses a trigger that would fire at once (-2021 "Order would immediately trigger").
            if (WouldTrigger(order, mark))
            {
                throw Rejected("would-immediately-trigger", $"{order.Kind} at {order.TriggerPrice} would trigger at once at mark {mark}");
            }

            _triggers[order.ClientOrderId] = order;
            return SavedAsync(Record(new ExchangeOrder(order.Symbol, order.ClientOrderId, NextOrderId(), order.Side, OrderStatus.New, 0, 0, 0, ReduceOnly: true)));
        }
    }

    /// <inheritdoc/>
    public Task<ExchangeOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_ordersById.GetValueOrDefault(clientOrderId) is { } order && order.Symbol == symbol ? order : null);
        }
    }

    /// <inheritdoc/>
    public Task CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_triggers.Remove(clientOrderId))
            {
                return Task.CompletedTask;
            }

            Update(_ordersById[clientOrderId] with { Status = OrderStatus.Canceled });
            _changes++;
        }

        return SavedAsync();
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // Loops, not LINQ: every subscription reads its account at every signal.
            var open = new List<Position>();
            foreach (var (symbol, (quantity, entryPrice)) in _positions)
            {
                if (quantity != 0)
                {
                    open.Add(new Position(symbol, quantity, entryPrice, (_exchange.MarkPrice(symbol) - entryPrice) * quantity, _leverage.GetValueOrDefault(symbol, DefaultLeverage)));
                }
            }

            return Task.FromResult<IReadOnlyList<Position>>(open);
        }
    }

    /// <inheritdoc/>
    public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(new Balance("USDT", _wallet, AvailableBalanceUnlocked()));
        }
    }

    /// <inheritdoc/>
    public Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (since < _realizedKeptSince)
            {
                throw new ArgumentOutOfRangeException(nameof(since), since, $"the paper account keeps realized profit and loss since {_realizedKeptSince:u} only ({_exchange.Settings.RealizedPnlKept.TotalDays:0.#} days)");
            }

            var sum = 0m;
            foreach (var (at, amount) in _realized)
            {
                if (at >= since)
                {
                    sum += amount;
                }
            }

            return Task.FromResult(sum);
        }
    }

    /// <summary>Fires what the prices cross; true when anything changed (then the account has a change to save).</summary>
    internal bool CheckTriggers()
    {
        lock (_lock)
        {
            // Most accounts have none: no copy of an empty set on every tick.
            if (_triggers.Count == 0)
            {
                return false;
            }

            var changes = _changes;

            foreach (var (clientOrderId, trigger) in _triggers.ToList())
            {
                if (!_triggers.ContainsKey(clientOrderId))
                {
                    continue;
                }

                var mark = _exchange.MarkPrice(trigger.Symbol);
                var position = _positions.GetValueOrDefault(trigger.Symbol);
                if (!WouldTrigger(trigger, mark))
                {
                    continue;
                }

                _triggers.Remove(clientOrderId);
                _changes++;
                var closes = position.Quantity != 0 && (position.Quantity > 0) == (trigger.Side == OrderSide.Sell);
                if (!closes)
                {
                    Update(_ordersById[clientOrderId] with { Status = OrderStatus.Expired });
                    continue;
                }

                var filters = PaperExchange.FiltersOf(trigger.Symbol);
                var price = filters.RoundPrice(trigger.Side == OrderSide.Buy ? mark * (1 + _exchange.Settings.Slippage) : mark * (1 - _exchange.Settings.Slippage));
                var quantity = Math.Abs(position.Quantity);
                Fill(trigger.Symbol, -position.Quantity, price);
                Update(_ordersById[clientOrderId] with { Status = OrderStatus.Filled, Quantity = quantity, ExecutedQuantity = quantity, AveragePrice = price });

                // The position is closed: its other protective orders have nothing left to protect.
                foreach (var sibling in _triggers.Where(t => t.Value.Symbol == trigger.Symbol).Select(t => t.Key).ToList())
                {
                    _triggers.Remove(sibling);
                    Update(_ordersById[sibling] with { Status = OrderStatus.Canceled });
                }
            }

            return _changes != changes;
        }
    }

    /// <summary>Saves the account's changes not saved yet (none without a store); a failure leaves them to the next save.</summary>
    internal async Task SaveAsync()
    {
        if (_exchange.Store is not { } store)
        {
            return;
        }

        await _saving.WaitAsync();
        try
        {
            object save;
            long changes;
            var version = _version + 1;
            lock (_lock)
            {
                if (_changes == _savedChanges)
                {
                    // A save that waited its turn found its change saved by the one before it.
                    return;
                }

                changes = _changes;
                save = _saveWhole || version % PaperAccountChanges.WholeSaveEvery == 0 ? StateUnlocked(version) : ChangesUnlocked(version);
                _changedOrders.Clear();
                _unsavedFills = 0;
            }

            try
            {
                // Not the caller's token: a save cut short could be stored or not, and the versions would no longer follow.
                await (save is PaperAccountChanges changed
                    ? store.SaveChangesAsync(changed, CancellationToken.None)
                    : store.SaveAsync((PaperAccountState)save, CancellationToken.None));
            }
            catch
            {
                // Stored or not, its version is spent; and the changes it carried are known only to the next whole save.
                _version = version;
                _saveWhole = true;
                throw;
            }

            _version = version;
            _saveWhole = false;
            _savedChanges = changes;
        }
        finally
        {
            _saving.Release();
        }
    }

    private PaperAccountChanges ChangesUnlocked(long version)
    {
        var orders = new List<ExchangeOrder>(_changedOrders.Count);
        foreach (var id in _changedOrders)
        {
            // An order dropped as finished since it changed needs no saving.
            if (_ordersById.TryGetValue(id, out var order))
            {
                orders.Add(order);
            }
        }

        var fills = new List<PaperRealizedPnl>(_unsavedFills);
        for (var i = _realized.Count - _unsavedFills; i < _realized.Count; i++)
        {
            fills.Add(new PaperRealizedPnl(_realized[i].At, _realized[i].Amount));
        }

        return new PaperAccountChanges(
            ApiKey,
            version,
            _wallet,
            _nextOrderId,
            [.. _positions.Select(p => new PaperPosition(p.Key, p.Value.Quantity, p.Value.EntryPrice))],
            [.. _leverage.Select(l => new PaperLeverage(l.Key, l.Value))],
            orders,
            [.. _triggers.Values],
            fills,
            _realizedKeptSince);
    }

    private PaperAccountState StateUnlocked(long version) => new(
        ApiKey,
        version,
        _wallet,
        _nextOrderId,
        [.. _positions.Select(p => new PaperPosition(p.Key, p.Value.Quantity, p.Value.EntryPrice))],
        [.. _leverage.Select(l => new PaperLeverage(l.Key, l.Value))],
        [.. _orderIds.Select(id => _ordersById[id])],
        [.. _triggers.Values],
        [.. _realized.Select(r => new PaperRealizedPnl(r.At, r.Amount))],
        _realizedKeptSince);

    private Task<int> SavedAsync() => SavedAsync(0);

    /// <inheritdoc/>
    public bool HasUnsavedChanges
    {
        get
        {
            if (_exchange.Store is null)
            {
                return false;
            }

            lock (_lock)
            {
                return _changes != Volatile.Read(ref _savedChanges);
            }
        }
    }

    /// <inheritdoc/>
    public async Task SaveDeferredAsync()
    {
        try
        {
            await SaveAsync();
        }
        catch (Exception error)
        {
            throw new ExchangeException(ExchangeName.Paper, ExchangeErrorKind.OutcomeUnknown, "not-saved",
                $"the paper account's change was made but could not be saved: {error.Message}");
        }
    }

    // Answers once the change is saved; at once without a store (the result is already there: no state machine), or when
    // the caller saves after its calls (DeferredSaves).
    private Task<T> SavedAsync<T>(T result)
    {
        if (_exchange.Store is null || DeferredSaves.Active)
        {
            return Task.FromResult(result);
        }

        return SaveThenAnswerAsync(result);

        async Task<T> SaveThenAnswerAsync(T answer)
        {
            await SaveDeferredAsync();
            return answer;
        }
    }

    private static bool WouldTrigger(ProtectiveOrderRequest order, decimal mark) =>
        (order.Kind, order.Side) switch
        {
            // Closing a long (sell): the stop is below, the target above.
            (ProtectiveKind.StopLoss, OrderSide.Sell) => mark <= order.TriggerPrice,
            (ProtectiveKind.TakeProfit, OrderSide.Sell) => mark >= order.TriggerPrice,
            (ProtectiveKind.StopLoss, OrderSide.Buy) => mark >= order.TriggerPrice,
            _ => mark <= order.TriggerPrice,
        };

    private static ExchangeException Rejected(string code, string message) =>
        new(ExchangeName.Paper, ExchangeErrorKind.Rejected, code, message);

    private void EnsureNewClientOrderId(string clientOrderId)
    {
        if (_ordersById.ContainsKey(clientOrderId))
        {
            throw new ExchangeException(ExchangeName.Paper, ExchangeErrorKind.Rejected, ExchangeErrorCodes.DuplicateClientOrderId, $"client order id {clientOrderId} already exists");
        }
    }

    private void Fill(string symbol, decimal signedQuantity, decimal price)
    {
        var (quantity, entry) = _positions.GetValueOrDefault(symbol);
        var fee = Math.Abs(signedQuantity) * price * _exchange.Settings.TakerFeeRate;
        var realized = -fee;
        decimal newQuantity = quantity + signedQuantity;
        decimal newEntry;
        if (quantity == 0 || Math.Sign(quantity) == Math.Sign(signedQuantity))
        {
            newEntry = ((Math.Abs(quantity) * entry) + (Math.Abs(signedQuantity) * price)) / Math.Abs(newQuantity);
        }
        else
        {
            var closed = Math.Min(Math.Abs(quantity), Math.Abs(signedQuantity));
            realized += (price - entry) * closed * Math.Sign(quantity);
            newEntry = newQuantity == 0 ? 0 : Math.Sign(newQuantity) == Math.Sign(quantity) ? entry : price;
        }

        _positions[symbol] = (newQuantity, newEntry);
        _wallet += realized;
        var now = _exchange.Settings.TimeProvider.GetUtcNow();
        _realized.Add((now, realized));
        _unsavedFills = Math.Min(_unsavedFills + 1, _realized.Count);
        if (_realized[0].At < now - _exchange.Settings.RealizedPnlKept)
        {
            _realizedKeptSince = now - _exchange.Settings.RealizedPnlKept;
            _realized.RemoveAll(r => r.At < _realizedKeptSince);
            _unsavedFills = Math.Min(_unsavedFills, _realized.Count);
        }
    }

    private decimal AvailableBalanceUnlocked() =>
        _wallet - _positions.Sum(p => Math.Abs(p.Value.Quantity) * p.Value.EntryPrice / _leverage.GetValueOrDefault(p.Key, DefaultLeverage));

    private ExchangeOrder Record(ExchangeOrder order)
    {
        _changes++;
        _ordersById[order.ClientOrderId] = order;
        _orderIds.Add(order.ClientOrderId);
        if (_exchange.Store is not null)
        {
            _changedOrders.Add(order.ClientOrderId);
        }

        ForgetOldFinishedOrders();
        return order;
    }

    private void Update(ExchangeOrder order)
    {
        _ordersById[order.ClientOrderId] = order;
        if (_exchange.Store is not null && !_changedOrders.Contains(order.ClientOrderId))
        {
            _changedOrders.Add(order.ClientOrderId);
        }
    }

    /// <summary>Drops the oldest finished orders beyond what is kept, once they are half as many again (so each order is
    /// copied a bounded number of times, not at every new one).</summary>
    private void ForgetOldFinishedOrders()
    {
        var kept = _exchange.Settings.FinishedOrdersKept;
        if (_orderIds.Count - _triggers.Count <= kept + (kept / 2))
        {
            return;
        }

        var newestFirst = new List<string>(kept + _triggers.Count);
        var finished = 0;
        for (var i = _orderIds.Count - 1; i >= 0; i--)
        {
            var id = _orderIds[i];
            if (_triggers.ContainsKey(id) || finished++ < kept)
            {
                newestFirst.Add(id);
            }
            else
            {
                _ordersById.Remove(id);
            }
        }

        newestFirst.Reverse();
        _orderIds = newestFirst;
    }

    private string NextOrderId() => $"paper-{_nextOrderId++}";
}
