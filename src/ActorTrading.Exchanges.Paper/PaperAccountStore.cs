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

    /// <summary>Saves <paramref name="state"/> (<see cref="PaperAccountState.Version"/> one above the last saved one of
    /// the account; 1 for its first). Completes when it is durable; a failure means it may or may not be.</summary>
    Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default);
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

/// <summary>A position of a paper account: positive quantity long, negative short.</summary>
public sealed record PaperPosition(string Symbol, decimal Quantity, decimal EntryPrice);

/// <summary>The leverage set for a symbol.</summary>
public sealed record PaperLeverage(string Symbol, int Leverage);

/// <summary>The realized profit and loss (fee included) of one fill.</summary>
public sealed record PaperRealizedPnl(DateTimeOffset At, decimal Amount);
