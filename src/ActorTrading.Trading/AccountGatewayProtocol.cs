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

    /// <summary>
    /// A call told rather than asked: <paramref name="Command"/> (a <see cref="ReadMarket"/>, <see cref="PlaceMarketOrder"/>
    /// or <see cref="Run"/>) takes its turn like any other, and its end is told to <paramref name="ReplyTo"/> as a
    /// <see cref="CallEnded"/> carrying <paramref name="Tag"/>: no promise, timer or continuation per call. The gateway
    /// answers every call it takes (at its end, at its time limit, or when it stops), so the caller needs no limit of its
    /// own. With <paramref name="SaveLater"/> an account that keeps its own state (paper) is not saved after the turn: the
    /// caller makes the changes durable with a call without it before it records anything it learnt
    /// (<see cref="CallEnded.Unsaved"/> says when there is something to save).
    /// </summary>
    [Actors.Serialization.NodeLocal("it carries the caller's own tag, and in a Run a delegate; gateways serve their own node")]
    public sealed record Call(string AccountId, object Command, Actors.IActorRef ReplyTo, object Tag, bool SaveLater) : AccountProtocol.IWithAccountId;

    /// <summary>The end of a <see cref="Call"/>: what the call returned (null when it returned nothing) or its error, and
    /// whether the account was left with changes not durable yet (a paper account's, after a call with
    /// <see cref="Call.SaveLater"/> or a save that failed).</summary>
    [Actors.Serialization.NodeLocal("the answer to a node-local Call")]
    public sealed record CallEnded(object Tag, object? Result, Exception? Error, bool Unsaved);

    /// <summary>Drops the account's client (its credentials changed, or it was deleted): the next call reads them again.
    /// Answered with <see cref="AccountProtocol.Ok"/>.</summary>
    public sealed record Forget(string AccountId) : AccountProtocol.IWithAccountId;
}
