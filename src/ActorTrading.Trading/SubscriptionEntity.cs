using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using Microsoft.Extensions.Logging;
using static ActorTrading.Trading.SubscriptionEvents;
using static ActorTrading.Trading.SubscriptionProtocol;

namespace ActorTrading.Trading;

/// <summary>
/// One subscriber's copy of one bot: a thin actor over <see cref="SubscriptionCore"/>. It tells the core each command and each
/// result of an effect, persists the events the core decides (in one write), then runs the effects the core asks for against
/// the account's gateway; each result comes back as a message and is told to the core in its turn.
/// </summary>
/// <remarks>
/// <code>
///   Idle ──TradeSignal──► [CheckingEarlierOrders] → ReadingMarket → PlacingLeg(i) ([CancellingStaleProtection] once flat)
///                          → [Protecting] ──SignalCompleted──► Idle
///                          other signals are stashed; a signal already completed is answered from state
/// </code>
/// The decisions (exactly once by client order ids, flips, stale protection, unknown outcomes) are the core's, and specified
/// there without actors (<c>SubscriptionCoreSpecs</c>). A signal costs one write: its outcome, with every confirmed order.
/// <para>Commands are matched in one switch rather than declared as handlers: a subscriber's entity lives as long as
/// the subscription, and sixteen handler objects per entity were about a fifth of what an idle one holds.</para>
/// </remarks>
public sealed class SubscriptionEntity : PersistentActor
{
    private static readonly object RetryTimer = new();
    private readonly AccountGateways _gateways;
    private readonly IActorRef _bots;
    private readonly TimeProvider _time;
    private SubscriptionState _state = SubscriptionState.Empty;
    private SubscriptionPhase _phase = SubscriptionPhase.Idle.Instance;

    /// <summary>Creates the entity.</summary>
    public SubscriptionEntity(string subscriptionId, AccountGateways gateways, IActorRef botRegion)
    {
        PersistenceId = PersistenceIdOf(subscriptionId);
        SubscriptionId = subscriptionId;
        _gateways = gateways;
        _bots = botRegion;
        _time = Context.System.TimeProvider;
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>The persistence id of subscription <paramref name="subscriptionId"/>'s journal.</summary>
    public static string PersistenceIdOf(string subscriptionId) => "subscription-" + subscriptionId;

    /// <summary>The subscription's id.</summary>
    public string SubscriptionId { get; }

    /// <summary>Props for the subscription region.</summary>
    public static Props Props(string subscriptionId, AccountGateways gateways, IActorRef botRegion) =>
        Actors.Props.Create(() => new SubscriptionEntity(subscriptionId, gateways, botRegion));

    /// <inheritdoc/>
    protected override bool ReceiveRecover(object message)
    {
        if (message is RecoveryCompleted)
        {
            // A signal an earlier version stored as in flight is resumed (its unconfirmed orders looked up first).
            Decide(SubscriptionInput.Recovered.Instance);
        }
        else
        {
            _state = _state.Apply(message);
        }

        return true;
    }

    /// <inheritdoc/>
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case TradeSignal signal: Decide(new SubscriptionInput.Signal(Received(signal), signal.Redelivered)); break;
            case EffectResult result when ReferenceEquals(result.Phase, _phase): Decide(result.Input); break;
            case EffectResult: break;
            case CreateSubscription create: Create(create); break;
            case UpdateSubscription c: WhenExists(c.ReplyTo, () => Persist(new SubscriptionUpdated(c.Overrides, c.Limits, _time.GetUtcNow()), ApplyAndReply(c.ReplyTo))); break;
            case PauseSubscription c: WhenExists(c.ReplyTo, () => Persist(new SubscriptionPaused(_time.GetUtcNow()), ApplyAndReply(c.ReplyTo))); break;
            case ResumeSubscription c: WhenExists(c.ReplyTo, () => Persist(new SubscriptionResumed(_time.GetUtcNow()), ApplyAndReply(c.ReplyTo))); break;
            case CancelSubscription c: WhenExists(c.ReplyTo, () => Persist(new SubscriptionCancelled(_time.GetUtcNow()), ApplyAndReply(c.ReplyTo))); break;
            case GetSubscription c: c.ReplyTo.Tell(Current(), Self); break;
            case TradingRegions.StopEntity: Context.Stop(Self); break;
            default: return false;
        }

        return true;
    }

    // Each result names the phase that asked for it: one that comes back after a restart (same actor, new phase) or for an
    // earlier step is dropped, so a late answer can never start a second chain of orders.
    private sealed record EffectResult(SubscriptionPhase Phase, SubscriptionInput Input);

    private SignalReceived Received(TradeSignal signal) =>
        new(signal.SignalId, signal.BotId, signal.Signal, signal.AcceptedAt, signal.BotDefaults, signal.TimeToLive, _time.GetUtcNow(), signal.SignalNumber, signal.PendingFrom);

    private void Create(CreateSubscription command)
    {
        if (_state.Definition is not null)
        {
            command.ReplyTo.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"subscription {SubscriptionId} already exists"), Self);
            return;
        }

        Persist(new SubscriptionCreated(SubscriptionId, command.OwnerId, command.BotId, command.AccountId, command.Exchange, command.Overrides, command.Limits, _time.GetUtcNow()), ApplyAndReply(command.ReplyTo));
    }

    private void WhenExists(IActorRef replyTo, Action action)
    {
        if (_state.Definition is null)
        {
            replyTo.Tell(new BotProtocol.Rejected(RejectionKind.NotFound, $"subscription {SubscriptionId} does not exist"), Self);
        }
        else if (_state.Status == SubscriptionStatus.Cancelled)
        {
            replyTo.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"subscription {SubscriptionId} is cancelled"), Self);
        }
        else
        {
            action();
        }
    }

    private Action<object> ApplyAndReply(IActorRef replyTo) => @event =>
    {
        _state = _state.Apply(@event);
        replyTo.Tell(new Ok(SubscriptionId), Self);
    };

    private object Current() => _state.Definition is { } d
        ? new CurrentSubscription(SubscriptionId, d.OwnerId, d.BotId, d.AccountId, _state.Status, _state.Overrides, _state.Limits, _state.Statistics)
        : new BotProtocol.Rejected(RejectionKind.NotFound, $"subscription {SubscriptionId} does not exist");

    /// <summary>Tells the core; stores what it decided, then runs its effects (at once when there is nothing to store).</summary>
    private void Decide(SubscriptionInput input)
    {
        var decision = SubscriptionCore.Decide(_state, _phase, input, SubscriptionId, _time.GetUtcNow());
        _phase = decision.Next;
        if (decision.Events.Count == 0)
        {
            Run(decision.Effects, decision.Next);
            return;
        }

        // One write; the effects (the receipt among them) only once it is durable.
        var last = decision.Events[^1];
        PersistAll(decision.Events, e =>
        {
            _state = _state.Apply(e);
            if (ReferenceEquals(e, last))
            {
                Run(decision.Effects, decision.Next);
            }
        });
    }

    private void Run(IReadOnlyList<SubscriptionEffect> effects, SubscriptionPhase phase)
    {
        foreach (var effect in effects)
        {
            Run(effect, phase);
        }
    }

    // Started in the entity's turn: the gateway only queues the call or sends it, it never blocks, and a paper account
    // answers at once. The result comes back as a message (PipeTo), never touching state from outside.
    private void Run(SubscriptionEffect effect, SubscriptionPhase phase)
    {
        switch (effect)
        {
            case SubscriptionEffect.ReadMarket read:
                WithGateway((read.Symbol, read.WithRealizedPnl), static (gateway, read) => gateway.ReadMarketAsync(read.Symbol, read.WithRealizedPnl))
                    .PipeTo(Self, Self, market => new EffectResult(phase, new SubscriptionInput.MarketRead(market)),
                        e => new EffectResult(phase, new SubscriptionInput.MarketReadFailed(e)));
                break;
            case SubscriptionEffect.LookUpEarlierOrders lookUp:
                Gateway(lookUp, static async (account, lookUp, token) =>
                {
                    var found = new List<ExchangeOrder>(lookUp.ClientOrderIds.Count);
                    foreach (var id in lookUp.ClientOrderIds)
                    {
                        if (await account.GetOrderAsync(lookUp.Symbol, id, token) is { } order)
                        {
                            found.Add(order);
                        }
                    }

                    return (IReadOnlyList<ExchangeOrder>)found;
                }).PipeTo(Self, Self, found => new EffectResult(phase, new SubscriptionInput.EarlierOrdersFound(found)),
                    e => new EffectResult(phase, new SubscriptionInput.EarlierOrdersLookUpFailed(e)));
                break;
            case SubscriptionEffect.LookUpByClientOrderId lookUp:
                Gateway(lookUp, static (account, lookUp, token) => account.GetOrderAsync(lookUp.Symbol, lookUp.Leg.ClientOrderId, token))
                    .PipeTo(Self, Self, order => new EffectResult(phase, new SubscriptionInput.OrderLookedUp(order)),
                        e => new EffectResult(phase, new SubscriptionInput.OrderLookUpFailed(e)));
                break;
            case SubscriptionEffect.Cancel cancel:
                // Cancelling is idempotent at every venue here: an order already filled, cancelled or never placed is not an error.
                Gateway(cancel, static (account, cancel, token) => CancelAllAsync(account, cancel, token)).PipeTo(Self, Self, _ => new EffectResult(phase, SubscriptionInput.StaleProtectionCancelled.Instance),
                    e => new EffectResult(phase, new SubscriptionInput.StaleProtectionCancelFailed(e)));
                break;
            case SubscriptionEffect.Place place:
                WithGateway(place, static (gateway, place) => gateway.PlaceMarketOrderAsync(place.Request, place.Leverage))
                    .PipeTo(Self, Self, placed => new EffectResult(phase, new SubscriptionInput.OrderPlaced(placed.Order, placed.LeverageSet)),
                        e => new EffectResult(phase, new SubscriptionInput.OrderFailed(e)));
                break;
            case SubscriptionEffect.Protect protect:
                Gateway(protect, static (account, protect, token) => ProtectAsync(account, protect, token))
                    .PipeTo(Self, Self, problems => new EffectResult(phase, new SubscriptionInput.ProtectionPlaced(problems)),
                        e => new EffectResult(phase, new SubscriptionInput.ProtectionPlaced([$"protection not placed: {SubscriptionCore.Describe(e)}"])));
                break;
            case SubscriptionEffect.RetryAfter retry:
                Timers.StartSingleTimer(RetryTimer, new EffectResult(phase, SubscriptionInput.RetryDue.Instance), retry.Delay);
                break;
            case SubscriptionEffect.Answer answer:
                Receipt(answer.Outcome);
                if (answer.Unstash)
                {
                    Stash.UnstashAll();
                }

                break;
            case SubscriptionEffect.Stash:
                Stash.Stash();
                break;
            case SubscriptionEffect.Log { IsError: true } log:
                Log.LogError("Subscription {SubscriptionId}: {Problem}", SubscriptionId, log.Message);
                break;
            case SubscriptionEffect.Log log:
                Log.LogWarning("Subscription {SubscriptionId}: {Problem}", SubscriptionId, log.Message);
                break;
        }
    }

    /// <summary>The stop-loss and take-profit, each placed once (a duplicate client order id is one placed before a crash), both
    /// at once: what could not be placed, stop-loss first.</summary>
    /// <remarks>The two are independent at the venue (each closes the whole position at its own trigger), so neither waits for
    /// the other's round trip; both still run in the one gateway turn, so no other call on the account comes between.</remarks>
    private static async Task<IReadOnlyList<string>> ProtectAsync(IExchangeAccount account, SubscriptionEffect.Protect protect, CancellationToken token)
    {
        var filters = await account.GetSymbolFiltersAsync(protect.Symbol, token);
        var legs = Protection.For(protect.Side, protect.EntryPrice, protect.Parameters, filters);
        var placing = new Task<string?>[legs.Count];
        for (var index = 0; index < placing.Length; index++)
        {
            var (kind, side, trigger) = legs[index];
            var clientOrderId = kind == ProtectiveKind.StopLoss ? protect.StopLossClientOrderId : protect.TakeProfitClientOrderId;
            placing[index] = PlaceLegAsync(account, new ProtectiveOrderRequest(protect.Symbol, side, kind, trigger, clientOrderId), token);
        }

        // Both ended before the turn does (an error that is not the venue's ends the call, but only after the other leg).
        await Task.WhenAll(placing);
        List<string>? problems = null;
        foreach (var leg in placing)
        {
            if (leg.Result is { } problem)
            {
                (problems ??= new List<string>(placing.Length)).Add(problem);
            }
        }

        return problems ?? (IReadOnlyList<string>)[];

        static async Task<string?> PlaceLegAsync(IExchangeAccount account, ProtectiveOrderRequest request, CancellationToken token)
        {
            try
            {
                await account.PlaceProtectiveOrderAsync(request, token);
                return null;
            }
            catch (ExchangeException exception) when (exception.Code == ExchangeErrorCodes.DuplicateClientOrderId)
            {
                // Placed before a crash: the exchange has it.
                return null;
            }
            catch (ExchangeException exception)
            {
                return $"{(request.Kind == ProtectiveKind.StopLoss ? "stop-loss" : "take-profit")} at {request.TriggerPrice} not placed: {exception.VenueMessage}";
            }
        }
    }

    /// <summary>Cancels every order of <paramref name="cancel"/> at once (independent at the venue, and idempotent: one filled,
    /// cancelled or never placed is no error); the first error, once every cancel has ended.</summary>
    private static async Task<bool> CancelAllAsync(IExchangeAccount account, SubscriptionEffect.Cancel cancel, CancellationToken token)
    {
        var cancelling = new Task[cancel.ClientOrderIds.Count];
        for (var index = 0; index < cancelling.Length; index++)
        {
            cancelling[index] = account.CancelOrderAsync(cancel.Symbol, cancel.ClientOrderIds[index], token);
        }

        // Every cancel ends before the turn does; awaited, WhenAll throws the first failed cancel's error.
        await Task.WhenAll(cancelling);

        return true;
    }

    private void Receipt(SignalCompleted completed) =>
        _bots.Tell(new BotProtocol.SignalOutcomeRecorded(completed.BotId, completed.SignalId, SubscriptionId, completed.Status, completed.Reason), Self);

    private Task<T> Gateway<TArgument, T>(TArgument argument, Func<IExchangeAccount, TArgument, CancellationToken, Task<T>> call) =>
        WithGateway((argument, call), static (gateway, run) => gateway.RunAsync((account, token) => run.call(account, run.argument, token)));

    // Once the account's gateway exists (after its first call) it is used directly; the uses are static lambdas given their
    // argument, so reaching the gateway allocates nothing.
    private Task<T> WithGateway<TArgument, T>(TArgument argument, Func<AccountGateway, TArgument, Task<T>> use)
    {
        if (_state.Definition is not { } definition)
        {
            return Task.FromException<T>(new InvalidOperationException($"subscription {SubscriptionId} does not exist"));
        }

        var gateway = _gateways.ForAsync(definition.AccountId);
        return gateway.IsCompletedSuccessfully ? use(gateway.Result, argument) : UseWhenCreated(gateway, argument, use);

        static async Task<T> UseWhenCreated(Task<AccountGateway> gateway, TArgument argument, Func<AccountGateway, TArgument, Task<T>> use) =>
            await use(await gateway, argument);
    }
}
