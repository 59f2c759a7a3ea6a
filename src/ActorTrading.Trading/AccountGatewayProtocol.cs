using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>
/// The account gateway entity's protocol (<see cref="AccountGatewayEntity"/>, one per exchange account). Every command is
/// answered to its sender with <see cref="Actors.Status.Success"/> carrying the call's result, or
/// <see cref="Actors.Status.Failure"/> carrying the exchange's error (an <see cref="ExchangeException"/>, or a
/// <see cref="LeverageNotSetException"/>).
/// </summary>
public static class AccountGatewayProtocol
{
    /// <summary>Reads what the planner needs about the account and <paramref name="Symbol"/>, in one turn
    /// (answered with a <see cref="Domain.MarketState"/>); the day's realized profit and loss only when
    /// <paramref name="WithRealizedPnl"/>.</summary>
    public sealed record ReadMarket(string AccountId, string Symbol, bool WithRealizedPnl) : AccountProtocol.IWithAccountId;

    /// <summary>Places a market order, setting <paramref name="Leverage"/> first in the same turn when it is given and
    /// differs from what the account last set (answered with a <see cref="PlacedOrder"/>).</summary>
    public sealed record PlaceMarketOrder(string AccountId, MarketOrderRequest Request, int? Leverage) : AccountProtocol.IWithAccountId;

    /// <summary>
    /// Runs any call on the account in its turn (answered with what the call returns). It carries code, so
    /// it never leaves the node it was made on: the typed commands above are the ones a remote caller sends.
    /// </summary>
    [Actors.Serialization.NodeLocal("it carries a delegate over this node's exchange client")]
    public sealed record Run(string AccountId, Func<IExchangeAccount, CancellationToken, Task<object>> Call) : AccountProtocol.IWithAccountId
    {
        /// <inheritdoc/>
        public override string ToString() => $"Run {{ AccountId = {AccountId} }}";
    }

    /// <summary>Drops the account's client (its credentials changed, or it was deleted): the next call reads them again.
    /// Answered with <see cref="AccountProtocol.Ok"/>.</summary>
    public sealed record Forget(string AccountId) : AccountProtocol.IWithAccountId;
}
