namespace ActorTrading.Exchanges;

/// <summary>
/// One trader's account on one exchange: everything a subscription needs to trade a signal. One
/// instance per account; callers serialize their calls per account (the account gateway does).
/// Every order carries a client order id derived from what it is for (the subscription, the signal and the leg), so
/// that after a timeout or a crash the caller asks <see cref="GetOrderAsync"/> before placing anything again.
/// Failures are <see cref="ExchangeException"/>s whose <see cref="ExchangeException.Kind"/> says
/// whether the outcome is known.
/// </summary>
public interface IExchangeAccount
{
    /// <summary>Which exchange.</summary>
    ExchangeName Exchange { get; }

    /// <summary>The exchange's current mark price of <paramref name="symbol"/> (what sizing uses, never the alert's price).</summary>
    Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default);

    /// <summary>The symbol's trading rules (step size, tick size, minimum quantity and notional).</summary>
    Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default);

    /// <summary>Sets the leverage for the symbol ("not modified" counts as success).</summary>
    Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default);

    /// <summary>Places a market order. A duplicate client order id is an error of kind <see cref="ExchangeErrorKind.Rejected"/>
    /// with code <see cref="ExchangeErrorCodes.DuplicateClientOrderId"/>.</summary>
    Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default);

    /// <summary>Places a stop-loss or take-profit that closes the position when the mark price crosses the trigger.</summary>
    Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default);

    /// <summary>The order with this client order id, or null when the exchange has none.</summary>
    Task<ExchangeOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    /// <summary>Cancels an open order; an order that is already gone is not an error.</summary>
    Task CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    /// <summary>Open positions (one-way mode: one per symbol, signed quantity).</summary>
    Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default);

    /// <summary>The USDT balance.</summary>
    Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default);

    /// <summary>Realized profit and loss since <paramref name="since"/> (negative for a loss), for the daily loss limit.</summary>
    Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>Makes account clients from stored credentials; the base URLs are node settings, never a user's.</summary>
public interface IExchangeAccountFactory
{
    /// <summary>A client for one account.</summary>
    IExchangeAccount Create(ExchangeName exchange, ExchangeCredentials credentials);
}

/// <summary>
/// An account that keeps its own state durably (the paper exchange) and can make several calls' changes durable in one
/// save: calls started within <see cref="DeferredSaves.Begin"/> answer before their change is saved, and
/// <see cref="SaveDeferredAsync"/> saves every change not saved yet. A caller that passes an answer on only after that
/// save keeps "answered means durable" at one save per turn instead of one per call.
/// </summary>
public interface IDeferredSaving
{
    /// <summary>Saves what the account has not saved yet (nothing to save: completes at once). A failure is an
    /// <see cref="ExchangeErrorKind.OutcomeUnknown"/> <see cref="ExchangeException"/>: the changes stand, the next save carries them.</summary>
    Task SaveDeferredAsync();

    /// <summary>Whether the account has changes that are not durable yet (left for a later save, or a save failed).</summary>
    bool HasUnsavedChanges { get; }
}

/// <summary>The calls started while a scope of <see cref="Begin"/> is open leave their saving to
/// <see cref="IDeferredSaving.SaveDeferredAsync"/> (on accounts that save at all).</summary>
public static class DeferredSaves
{
    private static readonly AsyncLocal<bool> Ambient = new();

    /// <summary>Whether the calls starting now leave their saving to the caller (this scope, or the call's
    /// <see cref="ExchangeDeadline"/> begun with saves deferred).</summary>
    public static bool Active => Ambient.Value || ExchangeDeadline.Current?.SavesDeferred == true;

    /// <summary>Until disposed, calls started leave their saving to <see cref="IDeferredSaving.SaveDeferredAsync"/>.</summary>
    public static Scope Begin()
    {
        var previous = Ambient.Value;
        Ambient.Value = true;
        return new Scope(previous);
    }

    /// <summary>Restores what was current before <see cref="Begin"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _previous;

        internal Scope(bool previous) => _previous = previous;

        /// <inheritdoc/>
        public void Dispose() => Ambient.Value = _previous;
    }
}
