namespace ActorTrading.Exchanges.Paper;

/// <summary>
/// Where paper accounts are kept, so that a restart (or a move to another node) finds every account as it was: its
/// balance, positions, leverage, open stop-losses and take-profits, the orders it keeps and its realized profit and loss.
/// The node keeps them in its durable store; without one (<see cref="PaperExchange(IPriceSource, PaperExchangeSettings?)"/>)
/// they live in memory.
/// </summary>
public interface IPaperAccountStore
{
    /// <summary>Every account saved so far, each as last saved.</summary>
    Task<IReadOnlyList<PaperAccountState>> LoadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves the whole of <paramref name="state"/>: the account's first save, and now and then one in place of its
    /// changes, after which the saves before it are no longer needed. Its <see cref="PaperAccountState.Version"/> is above
    /// every earlier save's. Completes when it is durable; a failure means it may or may not be.</summary>
    Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default);

    /// <summary>Saves what changed since the account's last save (the one a version below; a failed save is followed by a
    /// whole one, never by changes). Completes when it is durable; a failure means it may or may not be.</summary>
    Task SaveChangesAsync(PaperAccountChanges changes, CancellationToken cancellationToken = default);
}

/// <summary>One paper account as kept: everything it needs to go on where it was.</summary>
/// <param name="ApiKey">The account's key.</param>
/// <param name="Version">1 at the first save, one more at each.</param>
/// <param name="Wallet">USDT in the wallet (realized profit and loss and fees included).</param>
/// <param name="NextOrderId">The number of the next order.</param>
/// <param name="Positions">Positions by symbol (flat ones included: their entry was reset).</param>
/// <param name="Leverage">The leverage set per symbol.</param>
/// <param name="Orders">The orders kept, oldest first (every open one, the newest finished ones).</param>
/// <param name="OpenProtectiveOrders">The stop-losses and take-profits waiting for their trigger.</param>
/// <param name="Realized">Realized profit and loss of each fill kept, oldest first.</param>
/// <param name="RealizedKeptSince">Since when realized profit and loss is kept.</param>
public sealed record PaperAccountState(
    string ApiKey,
    long Version,
    decimal Wallet,
    long NextOrderId,
    IReadOnlyList<PaperPosition> Positions,
    IReadOnlyList<PaperLeverage> Leverage,
    IReadOnlyList<ExchangeOrder> Orders,
    IReadOnlyList<ProtectiveOrderRequest> OpenProtectiveOrders,
    IReadOnlyList<PaperRealizedPnl> Realized,
    DateTimeOffset RealizedKeptSince);

/// <summary>What changed in one paper account since its last save: the small parts whole, and of its orders and realized
/// profit and loss only what is new or changed, so a save costs what changed rather than everything the account keeps.</summary>
/// <param name="ApiKey">The account's key.</param>
/// <param name="Version">One above the last save's.</param>
/// <param name="Wallet">USDT in the wallet.</param>
/// <param name="NextOrderId">The number of the next order.</param>
/// <param name="Positions">Every position by symbol.</param>
/// <param name="Leverage">Every leverage set.</param>
/// <param name="Orders">The orders placed or changed since the last save, oldest first.</param>
/// <param name="OpenProtectiveOrders">Every stop-loss and take-profit waiting for its trigger.</param>
/// <param name="Realized">Realized profit and loss of the fills since the last save, oldest first.</param>
/// <param name="RealizedKeptSince">Since when realized profit and loss is kept.</param>
public sealed record PaperAccountChanges(
    string ApiKey,
    long Version,
    decimal Wallet,
    long NextOrderId,
    IReadOnlyList<PaperPosition> Positions,
    IReadOnlyList<PaperLeverage> Leverage,
    IReadOnlyList<ExchangeOrder> Orders,
    IReadOnlyList<ProtectiveOrderRequest> OpenProtectiveOrders,
    IReadOnlyList<PaperRealizedPnl> Realized,
    DateTimeOffset RealizedKeptSince)
{
    /// <summary>An account is saved whole at every multiple of this version (or, when that save fails, at the next
    /// that succeeds), so its last whole save is at or after the highest version rounded down to a multiple.</summary>
    public const long WholeSaveEvery = 100;

    /// <summary>The account as last saved: <paramref name="state"/> (a whole save) with <paramref name="changes"/> (the
    /// saves after it, in order) applied. Orders changed are replaced where they stand and new ones come last;
    /// realized profit and loss older than what is kept is dropped. The account drops its oldest finished orders itself.</summary>
    public static PaperAccountState Fold(PaperAccountState state, IReadOnlyList<PaperAccountChanges> changes)
    {
        if (changes.Count == 0)
        {
            return state;
        }

        var orders = new List<ExchangeOrder>(state.Orders);
        var index = new Dictionary<string, int>(orders.Count, StringComparer.Ordinal);
        for (var i = 0; i < orders.Count; i++)
        {
            index[orders[i].ClientOrderId] = i;
        }

        var realized = new List<PaperRealizedPnl>(state.Realized);
        foreach (var change in changes)
        {
            foreach (var order in change.Orders)
            {
                if (index.TryGetValue(order.ClientOrderId, out var at))
                {
                    orders[at] = order;
                }
                else
                {
                    index[order.ClientOrderId] = orders.Count;
                    orders.Add(order);
                }
            }

            realized.AddRange(change.Realized);
        }

        var last = changes[^1];
        realized.RemoveAll(r => r.At < last.RealizedKeptSince);
        return new PaperAccountState(state.ApiKey, last.Version, last.Wallet, last.NextOrderId, last.Positions, last.Leverage,
            orders, last.OpenProtectiveOrders, realized, last.RealizedKeptSince);
    }
}

/// <summary>A position of a paper account: positive quantity long, negative short.</summary>
public sealed record PaperPosition(string Symbol, decimal Quantity, decimal EntryPrice);

/// <summary>The leverage set for a symbol.</summary>
public sealed record PaperLeverage(string Symbol, int Leverage);

/// <summary>The realized profit and loss (fee included) of one fill.</summary>
public sealed record PaperRealizedPnl(DateTimeOffset At, decimal Amount);
