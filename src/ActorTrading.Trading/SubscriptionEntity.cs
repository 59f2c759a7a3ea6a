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
    // A call that only saves the account: the gateway saves after every call not told to save later.
    private static readonly Task<object> NothingCalled = Task.FromResult<object>(true);
    private static readonly Func<IExchangeAccount, CancellationToken, Task<object>> SaveOnly = static (_, _) => NothingCalled;

    // What a look-up that found no order answers (a call's result is never null).
    private static readonly object NoOrder = new();
    private SubscriptionState _state = SubscriptionState.Empty;

    // Whether the account's last answer left changes that are not durable yet (the calls save later), and whether the save
    // before storing a decision is under way.
    private bool _unsaved;
    private bool _saving;
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
        if (_saving)
        {
            // Until the account's save before storing a decision has ended, the decision is not stored: nothing else is taken.
            if (message is AccountGatewayProtocol.CallEnded { Tag: SaveCall save } saved)
            {
                Saved(save.Decision, saved);
            }
            else
            {
                Stash.Stash();
            }

            return true;
        }

        switch (message)
        {
            case AccountGatewayProtocol.CallEnded { Tag: GatewayCall call } ended:
                // The latest answer knows best whether the account has changes not durable yet (answers come in turn order).
                _unsaved = ended.Unsaved;
                if (ReferenceEquals(call.Phase, _phase))
                {
                    Decide(Ended(call.Effect, ended));
                }

                break;
            case AccountGatewayProtocol.CallEnded: break;
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

    /// <summary>Tells the core; stores what it decided, then runs its effects (at once when there is nothing to store). What
    /// the calls changed on the account is saved before the decision is stored, so nothing is recorded that the account could
    /// lose.</summary>
    private void Decide(SubscriptionInput input)
    {
        var decision = SubscriptionCore.Decide(_state, _phase, input, SubscriptionId, _time.GetUtcNow());
        _phase = decision.Next;
        if (decision.Events.Count == 0)
        {
            Run(decision.Effects, decision.Next);
            return;
        }

        if (_unsaved && _state.Definition is { } definition)
        {
            _saving = true;
            _gateways.Region.Tell(new AccountGatewayProtocol.Call(definition.AccountId, new AccountGatewayProtocol.Run(definition.AccountId, SaveOnly), Self, new SaveCall(decision), SaveLater: false), Self);
            return;
        }

        Store(decision);
    }

    private void Saved(SubscriptionDecision decision, AccountGatewayProtocol.CallEnded saved)
    {
        _saving = false;
        if (saved.Error is { } error)
        {
            // Whether the account's changes are durable is not known, so the outcome is not stored: the entity restarts, and
            // the signal, told again, finds its orders by client order id (then saved with the account's next call).
            throw new AccountNotSavedException(SubscriptionId, error);
        }

        _unsaved = false;
        Store(decision);
    }

    private void Store(SubscriptionDecision decision)
    {
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

    // Told in the entity's turn: the gateway queues the call and answers it with a CallEnded when it ends (a paper account's
    // in the same gateway turn), a message like any other, never touching state from outside.
    private void Run(SubscriptionEffect effect, SubscriptionPhase phase)
    {
        switch (effect)
        {
            case SubscriptionEffect.ReadMarket read:
                Call(effect, phase, accountId => new AccountGatewayProtocol.ReadMarket(accountId, read.Symbol, read.WithRealizedPnl));
                break;
            case SubscriptionEffect.LookUpEarlierOrders lookUp:
                Call(effect, phase, accountId => new AccountGatewayProtocol.Run(accountId, (account, token) => LookUpAllAsync(account, lookUp, token)));
                break;
            case SubscriptionEffect.LookUpByClientOrderId lookUp:
                Call(effect, phase, accountId => new AccountGatewayProtocol.Run(accountId, async (account, token) =>
                    await account.GetOrderAsync(lookUp.Symbol, lookUp.Leg.ClientOrderId, token) ?? NoOrder));
                break;
            case SubscriptionEffect.Cancel cancel:
                // Cancelling is idempotent at every venue here: an order already filled, cancelled or never placed is not an error.
                Call(effect, phase, accountId => new AccountGatewayProtocol.Run(accountId, async (account, token) => await CancelAllAsync(account, cancel, token)), saveLater: false);
                break;
            case SubscriptionEffect.Place place:
                Call(effect, phase, accountId => new AccountGatewayProtocol.PlaceMarketOrder(accountId, place.Request, place.Leverage));
                break;
            case SubscriptionEffect.Protect protect:
                Call(effect, phase, accountId => new AccountGatewayProtocol.Run(accountId, async (account, token) => await ProtectAsync(account, protect, token)), saveLater: false);
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

    private static async Task<object> LookUpAllAsync(IExchangeAccount account, SubscriptionEffect.LookUpEarlierOrders lookUp, CancellationToken token)
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

    /// <summary>
    /// Tells the account's gateway the effect's call, with this entity as the one to answer (no ask: no promise, timer or
    /// continuation per call). Unless <paramref name="saveLater"/> is false the account is not saved after the call:
    /// <see cref="Decide"/> saves it before it stores what the calls told it (<see cref="_unsaved"/>), so a signal's calls
    /// cost the account one save, not one each. The protection and the cancel of stale protection save at once: they are
    /// a signal's last call (a flip's cancel comes before its second leg, which then saves once more), and an answer that
    /// leaves nothing unsaved needs no save turn of its own.
    /// </summary>
    private void Call(SubscriptionEffect effect, SubscriptionPhase phase, Func<string, object> command, bool saveLater = true)
    {
        var call = new GatewayCall(phase, effect);
        if (_state.Definition is not { } definition)
        {
            Self.Tell(new AccountGatewayProtocol.CallEnded(call, null, new InvalidOperationException($"subscription {SubscriptionId} does not exist"), false), Self);
            return;
        }

        _gateways.Region.Tell(new AccountGatewayProtocol.Call(definition.AccountId, command(definition.AccountId), Self, call, saveLater), Self);
    }

    // What the core is told of a call's end.
    private static SubscriptionInput Ended(SubscriptionEffect effect, AccountGatewayProtocol.CallEnded ended)
    {
        var error = ended.Error ?? new InvalidOperationException($"the account's gateway answered {effect.GetType().Name} with {ended.Result?.GetType().Name ?? "nothing"}");
        return effect switch
        {
            SubscriptionEffect.ReadMarket => ended.Result is MarketState market ? new SubscriptionInput.MarketRead(market) : new SubscriptionInput.MarketReadFailed(error),
            SubscriptionEffect.LookUpEarlierOrders => ended.Result is IReadOnlyList<ExchangeOrder> found
                ? new SubscriptionInput.EarlierOrdersFound(found) : new SubscriptionInput.EarlierOrdersLookUpFailed(error),
            SubscriptionEffect.LookUpByClientOrderId => ended.Error is null
                ? new SubscriptionInput.OrderLookedUp(ended.Result as ExchangeOrder) : new SubscriptionInput.OrderLookUpFailed(error),
            SubscriptionEffect.Cancel => ended.Error is null ? SubscriptionInput.StaleProtectionCancelled.Instance : new SubscriptionInput.StaleProtectionCancelFailed(error),
            SubscriptionEffect.Place => ended.Result is PlacedOrder placed ? new SubscriptionInput.OrderPlaced(placed.Order, placed.LeverageSet) : new SubscriptionInput.OrderFailed(error),
            SubscriptionEffect.Protect => ended.Result is IReadOnlyList<string> problems ? new SubscriptionInput.ProtectionPlaced(problems)
                : new SubscriptionInput.ProtectionPlaced([$"protection not placed: {SubscriptionCore.Describe(error)}"]),
            _ => throw new InvalidOperationException($"not a gateway effect: {effect.GetType().Name}"),
        };
    }

    // The call an answer belongs to: the phase that asked (a late answer for another phase is dropped) and the effect.
    private sealed record GatewayCall(SubscriptionPhase Phase, SubscriptionEffect Effect);

    // The save of the account before a decision's events are stored.
    private sealed record SaveCall(SubscriptionDecision Decision);
}

/// <summary>The changes a subscription's calls made on its account could not be made durable before it stored what it
/// learnt from them: the entity stops without storing, and the signal told again finds its orders by client order id.</summary>
public sealed class AccountNotSavedException(string subscriptionId, Exception cause)
    : Exception($"subscription {subscriptionId}: the account's changes could not be saved before the outcome was stored: {cause.Message}", cause);
