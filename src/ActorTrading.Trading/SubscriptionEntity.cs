using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using Microsoft.Extensions.Logging;
using static ActorTrading.Trading.SubscriptionEvents;
using static ActorTrading.Trading.SubscriptionProtocol;

namespace ActorTrading.Trading;

/// <summary>
/// One subscriber's copy of one bot. For each signal: freshness and status checks → read the account
/// (price, filters, position, today's realized PnL) → plan (pure) → set leverage if it differs → place each
/// market order (once flat, the stop-loss and take-profit of the position closed are cancelled first) → stop-loss and
/// take-profit → store the one outcome → receipt to the bot.
/// </summary>
/// <remarks>
/// <code>
///   Ready ──TradeSignal──► Working(signal) ──SignalCompleted──► Ready
///                           │ [AskingForEarlierOrders] → ReadingMarket → Placing(leg i; an opening one with its leverage)
///                           │   (before an open, or after the last close: [CancellingOldProtection]) → Protecting
///                           │ other signals are stashed; a signal already completed is answered from state
/// </code>
/// Every exchange step is an async call whose result comes back as a message, so the entity's state is
/// only ever touched in its own turn. A signal costs one write: its outcome, with every confirmed order. Nothing is
/// stored before the orders; what an incarnation did not record is asked of the exchange instead. The bot tells a
/// signal again until it has the receipt, and marks every telling after the first (<see cref="TradeSignal.Redelivered"/>):
/// an earlier incarnation (crashed, or on a node that died) may have placed its orders. Such a signal's orders are
/// first looked up by their client order ids, before any check that could skip it, and an order the exchange has
/// is never placed again (invariant I2). Orders lost within one incarnation (an answer that never came) are looked
/// up the same way before they are retried.
/// <para>Commands are matched in one switch rather than declared as handlers: a subscriber's entity lives as long as
/// the subscription, and sixteen handler objects per entity were about a fifth of what an idle one holds.</para>
/// </remarks>
public sealed class SubscriptionEntity : PersistentActor
{
    private const int MaxPlacementAttempts = 3;
    private readonly AccountGateways _gateways;
    private readonly IActorRef _bots;
    private readonly TimeProvider _time;
    private SubscriptionState _state = SubscriptionState.Empty;
    private Work? _work;

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
            ResumeInFlight();
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
            case TradeSignal signal: Trade(signal); break;
            case MarketRead read: OnMarketRead(read); break;
            case OrderResult order: OnOrder(order); break;
            case ProtectionResult protection: OnProtection(protection); break;
            case StaleProtectionResult stale: OnStaleProtection(stale); break;
            case RetryLeg retry when IsCurrent(retry.Work): PlaceNextLeg(); break;
            case RetryLeg: break;
            case EarlierOrders earlier: OnEarlierOrders(earlier); break;
            case RetryEarlierOrders retry when IsCurrent(retry.Work): LookUpEarlierOrders(); break;
            case RetryEarlierOrders: break;
            case CreateSubscription create: Create(create); break;
            case UpdateSubscription c: WhenExists(() => Persist(new SubscriptionUpdated(c.Overrides, c.Limits, _time.GetUtcNow()), ApplyAndReply)); break;
            case PauseSubscription: WhenExists(() => Persist(new SubscriptionPaused(_time.GetUtcNow()), ApplyAndReply)); break;
            case ResumeSubscription: WhenExists(() => Persist(new SubscriptionResumed(_time.GetUtcNow()), ApplyAndReply)); break;
            case CancelSubscription: WhenExists(() => Persist(new SubscriptionCancelled(_time.GetUtcNow()), ApplyAndReply)); break;
            case GetSubscription: Sender.Tell(Current(), Self); break;
            case TradingRegions.StopEntity: Context.Stop(Self); break;
            default: return false;
        }

        return true;
    }

    // Each result names the work it answers: one that comes back after a restart (same actor, new work) or for an
    // earlier signal is dropped, so a late answer can never start a second chain of orders.
    private sealed record MarketRead(Work Work, MarketState? Market, Exception? Error);

    private sealed record OrderResult(Work Work, PlannedLeg Leg, ExchangeOrder? Order, Exception? Error, bool WasLookup, bool LeverageSet = false);

    private sealed record ProtectionResult(Work Work, IReadOnlyList<string> Problems);

    private sealed record StaleProtectionResult(Work Work, IReadOnlyList<string> SignalIds, Exception? Error);

    private sealed record RetryLeg(Work Work);

    private sealed record EarlierOrders(Work Work, IReadOnlyList<ExchangeOrder>? Found, Exception? Error);

    private sealed record RetryEarlierOrders(Work Work);

    /// <summary>The signal being worked on: its plan and what the exchange confirmed of it, none of it stored until the outcome.</summary>
    private sealed class Work(SignalReceived received)
    {
        public SignalReceived Received { get; } = received;

        public OrdersPlanned? Plan { get; set; }

        public SortedDictionary<int, OrderConfirmed> Confirmed { get; } = [];

        /// <summary>Orders an earlier incarnation placed for this signal that are not in the plan (the close of a flip, when
        /// the crash came before the open): they belong in the outcome.</summary>
        public List<OrderConfirmed> Recovered { get; } = [];

        public LeverageSet? Leverage { get; set; }

        public int Attempts { get; set; }

        public int LookupAttempts { get; set; }

        /// <summary>Legs that may have reached the exchange unrecorded (the work was resumed after a crash, or an answer
        /// was lost): each is looked up by its client order id before it may be placed.</summary>
        public HashSet<int> Unverified { get; } = [];

        public List<string> ProtectionProblems { get; set; } = [];

        /// <summary>Whether the protection of the position before this signal has been dealt with (cancelled, or found to be none).</summary>
        public bool StaleProtectionHandled { get; set; }

        /// <summary>Signals whose protection could not be cancelled: still the symbol's, tried again at its next trade.</summary>
        public IReadOnlyList<string> StaleProtectionLeft { get; set; } = [];

        /// <summary>What the outcome records of the symbol's protection; null while this signal has not changed it.</summary>
        public PositionProtection? ProtectionAfter { get; set; }

        public PlannedLeg? NextLeg => Plan?.Legs.FirstOrDefault(leg => !Confirmed.ContainsKey(leg.Leg));
    }

    private void Create(CreateSubscription command)
    {
        if (_state.Definition is not null)
        {
            Sender.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"subscription {SubscriptionId} already exists"), Self);
            return;
        }

        Persist(new SubscriptionCreated(SubscriptionId, command.OwnerId, command.BotId, command.AccountId, command.Exchange, command.Overrides, command.Limits, _time.GetUtcNow()), ApplyAndReply);
    }

    private void WhenExists(Action action)
    {
        if (_state.Definition is null)
        {
            Sender.Tell(new BotProtocol.Rejected(RejectionKind.NotFound, $"subscription {SubscriptionId} does not exist"), Self);
        }
        else if (_state.Status == SubscriptionStatus.Cancelled)
        {
            Sender.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"subscription {SubscriptionId} is cancelled"), Self);
        }
        else
        {
            action();
        }
    }

    private void ApplyAndReply(object @event)
    {
        _state = _state.Apply(@event);
        Sender.Tell(new Ok(SubscriptionId), Self);
    }

    private object Current() => _state.Definition is { } d
        ? new CurrentSubscription(SubscriptionId, d.OwnerId, d.BotId, d.AccountId, _state.Status, _state.Overrides, _state.Limits, _state.Statistics)
        : new BotProtocol.Rejected(RejectionKind.NotFound, $"subscription {SubscriptionId} does not exist");

    private bool IsCurrent(Work work) => ReferenceEquals(_work, work);

    private void Trade(TradeSignal signal)
    {
        if (_state.Completed.TryGetValue(signal.SignalId, out var done))
        {
            // At-least-once delivery from the bot: answer again, trade never twice.
            Receipt(done);
            return;
        }

        if (_work?.Received.SignalId == signal.SignalId)
        {
            return;
        }

        if (_work is not null)
        {
            Stash.Stash();
            return;
        }

        var received = new SignalReceived(signal.SignalId, signal.BotId, signal.Signal, signal.AcceptedAt, signal.BotDefaults, signal.TimeToLive, _time.GetUtcNow(),
            signal.SignalNumber, signal.PendingFrom);
        _work = new Work(received);
        if (signal.Redelivered && _state.Definition is not null)
        {
            // Before anything that could skip it (stale by now, a position limit its own order filled): ask first.
            LookUpEarlierOrders();
            return;
        }

        Check();
    }

    private void Start(SignalReceived received)
    {
        _work = new Work(received);
        Check();
    }

    private void Check()
    {
        var received = _work!.Received;
        if (_state.Definition is null)
        {
            Complete(ExecutionStatus.Failed, $"subscription {SubscriptionId} does not exist");
        }
        else if (_state.Status != SubscriptionStatus.Active)
        {
            Complete(ExecutionStatus.Skipped, $"subscription {_state.Status.ToString().ToLowerInvariant()}");
        }
        else if (SignalFreshness.IsStale(received.AcceptedAt, _time.GetUtcNow(), received.TimeToLive))
        {
            Complete(ExecutionStatus.Skipped, SignalFreshness.Reason(received.AcceptedAt, _time.GetUtcNow(), received.TimeToLive));
        }
        else
        {
            ReadMarket(received);
        }
    }

    private void ReadMarket(SignalReceived received)
    {
        var symbol = received.Signal.Ticker;
        var work = _work!;
        ReadMarketAsync(symbol)
            .PipeTo(Self, Self, market => new MarketRead(work, market, null), error => new MarketRead(work, null, error));
    }

    private void OnMarketRead(MarketRead read)
    {
        if (!IsCurrent(read.Work))
        {
            return;
        }

        if (read.Error is not null)
        {
            Complete(ExecutionStatus.Failed, $"could not read the account: {Describe(read.Error)}");
            return;
        }

        var received = _work!.Received;
        var parameters = EffectiveConfiguration.Resolve(received.BotDefaults, _state.Overrides);
        var plan = TradePlanner.Plan(received.Signal.Action, parameters, _state.Limits, read.Market!);
        if (plan.IsEmpty && received.Signal.Action == SignalAction.Close && read.Market!.PositionQuantity == 0 && HasProtectionBefore(received))
        {
            // The position went without this subscription (closed by hand, or liquidated): the stop-loss and take-profit
            // it had are left on the exchange, and would close a position opened later. Nothing to trade; they go now.
            _work.Plan = new OrdersPlanned(received.SignalId, received.Signal.Ticker, [], parameters, plan.SkipReason);
            PlaceNextLeg();
            return;
        }

        if (plan.IsEmpty)
        {
            Complete(ExecutionStatus.Skipped, plan.SkipReason);
            return;
        }

        var legs = plan.Legs.Select((leg, index) =>
        {
            var name = leg.Kind == LegKind.Close ? ClientOrderIds.Legs.Close : ClientOrderIds.Legs.Open;
            return new PlannedLeg(index, name, leg.Side, leg.Quantity, leg.ReduceOnly, ClientOrderIds.For(SubscriptionId, received.SignalId, name));
        }).ToList();
        if (_work.Recovered.Count > 0 && legs.Any(leg => leg.LegName == ClientOrderIds.Legs.Close))
        {
            // The close placed before the restart did not leave the position flat (filled in part, or the account traded
            // meanwhile). Another close would carry the same client order id: nothing more is placed.
            Complete(ExecutionStatus.Failed, $"the position is still open after it; nothing more placed: check the {received.Signal.Ticker} position");
            return;
        }

        _work.Plan = new OrdersPlanned(received.SignalId, received.Signal.Ticker, legs, parameters, plan.SkipReason);
        PlaceNextLeg();
    }

    private void LookUpEarlierOrders()
    {
        var work = _work!;
        var symbol = work.Received.Signal.Ticker;
        var ids = new[] { ClientOrderIds.Legs.Close, ClientOrderIds.Legs.Open }.Select(leg => ClientOrderIds.For(SubscriptionId, work.Received.SignalId, leg)).ToList();
        Gateway(async (account, token) =>
        {
            var found = new List<ExchangeOrder>();
            foreach (var id in ids)
            {
                if (await account.GetOrderAsync(symbol, id, token) is { } order)
                {
                    found.Add(order);
                }
            }

            return (IReadOnlyList<ExchangeOrder>)found;
        }).PipeTo(Self, Self, found => new EarlierOrders(work, found, null), e => new EarlierOrders(work, null, e));
    }

    private void OnEarlierOrders(EarlierOrders result)
    {
        if (!IsCurrent(result.Work))
        {
            return;
        }

        var work = _work!;
        if (result.Error is { } error)
        {
            // The exchange could not say: ask again later, never trade meanwhile.
            if (++work.LookupAttempts >= MaxPlacementAttempts)
            {
                Complete(ExecutionStatus.Unknown, $"told again after a possible crash, and the exchange could not be asked for its orders ({work.LookupAttempts} tries): {Describe(error)}");
                return;
            }

            Timers.StartSingleTimer(typeof(RetryEarlierOrders), new RetryEarlierOrders(work), TimeSpan.FromMilliseconds(200 * work.LookupAttempts));
            return;
        }

        work.LookupAttempts = 0;
        var found = result.Found!;
        var close = ClientOrderIds.For(SubscriptionId, work.Received.SignalId, ClientOrderIds.Legs.Close);
        var traded = found.Any(o => o.ClientOrderId != close) || (found.Count > 0 && work.Received.Signal.Action == SignalAction.Close);
        if (!traded)
        {
            // Nothing opened: trade it now, as if told the first time; the close of a flip already placed is in the outcome.
            work.Recovered.AddRange(found.Select((order, index) => Confirmation(work.Received.SignalId, index, order)));
            Check();
            return;
        }

        // The trade was placed (its open, or the one order of a close signal): record what the exchange has, then the
        // protection (placed once: a duplicate is recognised).
        var legs = found.Select((order, index) => new PlannedLeg(index, order.ClientOrderId == close ? ClientOrderIds.Legs.Close : ClientOrderIds.Legs.Open,
            order.Side, order.ExecutedQuantity, order.ClientOrderId == close, order.ClientOrderId)).ToList();
        work.Plan = new OrdersPlanned(work.Received.SignalId, work.Received.Signal.Ticker, legs, EffectiveConfiguration.Resolve(work.Received.BotDefaults, _state.Overrides), null);
        foreach (var (order, index) in found.Select((order, index) => (order, index)))
        {
            work.Confirmed[index] = Confirmation(work.Received.SignalId, index, order);
        }

        PlaceNextLeg();
    }

    private static OrderConfirmed Confirmation(string signalId, int leg, ExchangeOrder order) =>
        new(signalId, leg, order.ClientOrderId, order.ExchangeOrderId, order.ExecutedQuantity, order.AveragePrice);

    private void PlaceNextLeg()
    {
        var work = _work!;
        var plan = work.Plan!;
        var leg = work.NextLeg;

        // The stop-loss and take-profit of the position before this signal go once it is flat: after the close, before an
        // open (left on the exchange, the old ones would close the new position at the old levels).
        if ((leg is null || !leg.ReduceOnly) && !work.StaleProtectionHandled)
        {
            CancelStaleProtection(work, plan.Symbol);
            return;
        }

        if (leg is null)
        {
            Protect();
            return;
        }

        if (work.Unverified.Remove(leg.Leg))
        {
            // It may have reached the exchange before the crash or the lost answer: ask before placing (I2).
            LookUp(leg);
            return;
        }

        // A leg that opens carries its leverage: the gateway sets it in the same turn when the account last set another.
        work.Attempts++;
        var request = new MarketOrderRequest(plan.Symbol, leg.Side, leg.Quantity, leg.ClientOrderId, leg.ReduceOnly);
        PlaceAsync(request, leg.ReduceOnly ? null : plan.Parameters.Leverage)
            .PipeTo(Self, Self, placed => new OrderResult(work, leg, placed.Order, null, false, placed.LeverageSet), e => new OrderResult(work, leg, null, e, false));
    }

    private void OnOrder(OrderResult result)
    {
        if (!IsCurrent(result.Work))
        {
            return;
        }

        var work = _work!;
        var plan = work.Plan!;
        if (result.Order is { } order)
        {
            work.Leverage = result.LeverageSet ? new LeverageSet(plan.Symbol, plan.Parameters.Leverage) : work.Leverage;
            work.Confirmed[result.Leg.Leg] = Confirmation(plan.SignalId, result.Leg.Leg, order);
            work.Attempts = 0;
            PlaceNextLeg();
            return;
        }

        if (result.WasLookup && result.Error is null)
        {
            // The exchange has no such order: the earlier attempt never arrived. Only now is it safe to place again.
            if (work.Attempts >= MaxPlacementAttempts)
            {
                FailLeg(result.Leg, $"no confirmation after {work.Attempts} attempts");
                return;
            }

            PlaceNextLeg();
            return;
        }

        var error = result.Error!;
        if (error is LeverageNotSetException)
        {
            Complete(ExecutionStatus.Failed, Describe(error));
            return;
        }

        if (result.WasLookup)
        {
            // The exchange could not say whether it has the order: ask again later, never place meanwhile.
            work.Unverified.Add(result.Leg.Leg);
            if (++work.LookupAttempts >= MaxPlacementAttempts)
            {
                FailLeg(result.Leg, $"it may have been placed, and the exchange could not be asked ({work.LookupAttempts} tries): {Describe(error)}", ExecutionStatus.Unknown);
                return;
            }

            Timers.StartSingleTimer(typeof(RetryLeg), new RetryLeg(work), TimeSpan.FromMilliseconds(200 * work.LookupAttempts));
            return;
        }

        var kind = (error as ExchangeException)?.Kind ?? ExchangeErrorKind.OutcomeUnknown;
        var duplicate = (error as ExchangeException)?.Code == ExchangeErrorCodes.DuplicateClientOrderId;
        if (kind == ExchangeErrorKind.OutcomeUnknown || duplicate)
        {
            Log.LogWarning("Subscription {SubscriptionId}: outcome of order {ClientOrderId} unknown ({Error}); asking the exchange", SubscriptionId, result.Leg.ClientOrderId, error.Message);
            work.Unverified.Add(result.Leg.Leg);
            PlaceNextLeg();
            return;
        }

        if (kind == ExchangeErrorKind.Retryable && work.Attempts < MaxPlacementAttempts)
        {
            Timers.StartSingleTimer(typeof(RetryLeg), new RetryLeg(work), TimeSpan.FromMilliseconds(200 * work.Attempts));
            return;
        }

        FailLeg(result.Leg, Describe(error));
    }

    private void LookUp(PlannedLeg leg)
    {
        var work = _work!;
        var plan = work.Plan!;
        Gateway((account, token) => account.GetOrderAsync(plan.Symbol, leg.ClientOrderId, token))
            .PipeTo(Self, Self, order => new OrderResult(work, leg, order, null, true), e => new OrderResult(work, leg, null, e, true));
    }

    private void FailLeg(PlannedLeg leg, string reason, ExecutionStatus status = ExecutionStatus.Failed)
    {
        var done = _work!.Confirmed.Count;
        var prefix = done > 0 ? $"{done} of {_work.Plan!.Legs.Count} orders placed, then " : "";
        Complete(status, $"{prefix}{(leg.ReduceOnly ? "closing" : "opening")} order {leg.ClientOrderId} failed: {reason}");
    }

    private bool HasProtectionBefore(SignalReceived received) =>
        _state.ProtectedBy.TryGetValue(received.Signal.Ticker, out var signals) && signals.Any(signalId => signalId != received.SignalId);

    private void CancelStaleProtection(Work work, string symbol)
    {
        work.StaleProtectionHandled = true;
        var previous = _state.ProtectedBy.TryGetValue(symbol, out var recorded) ? recorded.Where(signalId => signalId != work.Received.SignalId).ToList() : [];
        if (previous.Count == 0)
        {
            PlaceNextLeg();
            return;
        }

        // Cancelling is idempotent at every venue here: an order already filled, cancelled or never placed is not an error.
        var ids = previous.SelectMany(signalId => new[] { ClientOrderIds.Legs.StopLoss, ClientOrderIds.Legs.TakeProfit }.Select(leg => ClientOrderIds.For(SubscriptionId, signalId, leg))).ToList();
        Gateway(async (account, token) =>
        {
            foreach (var id in ids)
            {
                await account.CancelOrderAsync(symbol, id, token);
            }

            return 0;
        }).PipeTo(Self, Self, _ => new StaleProtectionResult(work, previous, null), e => new StaleProtectionResult(work, previous, e));
    }

    private void OnStaleProtection(StaleProtectionResult result)
    {
        if (!IsCurrent(result.Work))
        {
            return;
        }

        var work = result.Work;
        if (result.Error is { } error)
        {
            // Kept as the symbol's protection, so that the next trade in it tries again; the trade goes on (the position
            // must not wait for a cancel), and the outcome says what is left open.
            var problem = $"stop-loss and take-profit of signal {string.Join(", ", result.SignalIds)} not cancelled: {Describe(error)}";
            work.ProtectionProblems.Add(problem);
            work.StaleProtectionLeft = result.SignalIds;
            Log.LogError("Subscription {SubscriptionId}: {Problem}", SubscriptionId, problem);
        }

        work.ProtectionAfter = new PositionProtection(work.Plan!.Symbol, work.StaleProtectionLeft);

        PlaceNextLeg();
    }

    private void Protect()
    {
        var work = _work!;
        var plan = work.Plan!;
        var open = plan.Legs.LastOrDefault(l => !l.ReduceOnly);
        if (open is null || work.Confirmed[open.Leg].AveragePrice <= 0)
        {
            Finish();
            return;
        }

        var entry = work.Confirmed[open.Leg].AveragePrice;
        var signalId = plan.SignalId;
        work.ProtectionAfter = new PositionProtection(plan.Symbol, [.. work.StaleProtectionLeft, signalId]);
        var subscriptionId = SubscriptionId;
        Gateway(async (account, token) =>
        {
            var problems = new List<string>();
            var filters = await account.GetSymbolFiltersAsync(plan.Symbol, token);
            foreach (var (kind, side, trigger) in Protection.For(open.Side, entry, plan.Parameters, filters))
            {
                var leg = kind == ProtectiveKind.StopLoss ? ClientOrderIds.Legs.StopLoss : ClientOrderIds.Legs.TakeProfit;
                try
                {
                    await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest(plan.Symbol, side, kind, trigger, ClientOrderIds.For(subscriptionId, signalId, leg)), token);
                }
                catch (ExchangeException exception) when (exception.Code == ExchangeErrorCodes.DuplicateClientOrderId)
                {
                    // Placed before a crash: the exchange has it.
                }
                catch (ExchangeException exception)
                {
                    problems.Add($"{(kind == ProtectiveKind.StopLoss ? "stop-loss" : "take-profit")} at {trigger} not placed: {exception.VenueMessage}");
                }
            }

            return (IReadOnlyList<string>)problems;
        }).PipeTo(Self, Self, problems => new ProtectionResult(work, problems), e => new ProtectionResult(work, [$"protection not placed: {Describe(e)}"]));
    }

    private void OnProtection(ProtectionResult result)
    {
        if (!IsCurrent(result.Work))
        {
            return;
        }

        _work!.ProtectionProblems.AddRange(result.Problems);
        foreach (var problem in result.Problems)
        {
            Log.LogError("Subscription {SubscriptionId}: {Problem}", SubscriptionId, problem);
        }

        Finish();
    }

    private void Finish()
    {
        var work = _work!;
        if (work.Plan!.Legs.Count == 0)
        {
            // A close with no position left: only the protection it had was dealt with.
            var cancelled = work.StaleProtectionLeft.Count == 0 ? "; its stop-loss and take-profit cancelled" : "";
            Complete(ExecutionStatus.Skipped, string.Join("; ", [work.Plan.SkipReason + cancelled, .. work.ProtectionProblems]));
            return;
        }

        var last = work.Plan.Legs.Count - 1;
        var confirmed = work.Confirmed[last];
        var notes = new List<string>();
        if (work.Plan.SkipReason is { } skipped)
        {
            notes.Add($"position closed; not reopened: {skipped}");
        }

        notes.AddRange(work.ProtectionProblems);
        Complete(ExecutionStatus.Executed, notes.Count == 0 ? null : string.Join("; ", notes), confirmed.ExchangeOrderId, confirmed.AveragePrice, confirmed.ExecutedQuantity);
    }

    private void Complete(ExecutionStatus status, string? reason, string? exchangeOrderId = null, decimal? price = null, decimal? quantity = null)
    {
        var work = _work!;
        var received = work.Received;
        List<OrderConfirmed> orders = work.Recovered.Count == 0
            ? [.. work.Confirmed.Values]
            : [.. work.Recovered.Concat(work.Confirmed.Values).DistinctBy(o => o.ClientOrderId).Select((order, index) => order with { Leg = index })];
        if (work.Recovered.Count > 0 && status != ExecutionStatus.Executed)
        {
            // A close an earlier incarnation placed is a trade, whatever became of the rest.
            var close = work.Recovered[0];
            (status, reason) = status == ExecutionStatus.Skipped
                ? (ExecutionStatus.Executed, $"position closed; not reopened: {reason}")
                : (status, $"close order {close.ClientOrderId} placed before a restart, then: {reason}");
            (exchangeOrderId, price, quantity) = (close.ExchangeOrderId, close.AveragePrice, close.ExecutedQuantity);
        }

        var elapsed = (long)(_time.GetUtcNow() - received.At).TotalMilliseconds;
        var completed = new SignalCompleted(received.SignalId, received.BotId, status, reason, exchangeOrderId, price, quantity, Math.Max(0, elapsed), _time.GetUtcNow(),
            orders.Count == 0 ? null : orders, received.SignalNumber, received.PendingFrom, work.ProtectionAfter);

        // One write: the leverage set on the way (if any) and the outcome.
        PersistAll(work.Leverage is { } leverage ? [leverage, completed] : new object[] { completed }, e =>
        {
            _state = _state.Apply(e);
            if (e is SignalCompleted stored)
            {
                _work = null;
                Receipt(stored);
                Stash.UnstashAll();
            }
        });
    }

    private void Receipt(SignalCompleted completed) =>
        _bots.Tell(new BotProtocol.SignalOutcomeRecorded(completed.BotId, completed.SignalId, SubscriptionId, completed.Status, completed.Reason), Self);

    private void ResumeInFlight()
    {
        if (_state.InFlight is not { } inFlight)
        {
            return;
        }

        if (inFlight.Plan is null)
        {
            // Stored by an earlier version before its plan: nothing was sent for it yet. Start over (freshness is
            // judged by the acceptance time, not by now).
            Start(inFlight.Received);
            return;
        }

        _work = new Work(inFlight.Received) { Plan = inFlight.Plan };
        foreach (var (index, confirmed) in inFlight.Confirmed)
        {
            _work.Confirmed[index] = confirmed;
        }

        // Every order not confirmed in the journal may have reached the exchange before the crash: each is asked for
        // by its client order id before anything is placed (I2), not only the first.
        foreach (var leg in inFlight.Plan.Legs.Where(leg => !_work.Confirmed.ContainsKey(leg.Leg)))
        {
            _work.Unverified.Add(leg.Leg);
        }

        PlaceNextLeg();
    }

    // Started in the entity's turn: the gateway only queues the call or sends it, it never blocks, and a paper
    // account answers at once. The result comes back as a message (PipeTo), never touching state from outside.
    private Task<T> Gateway<T>(Func<IExchangeAccount, CancellationToken, Task<T>> call) =>
        WithGateway(call, static (gateway, call) => gateway.RunAsync(call));

    private Task<PlacedOrder> PlaceAsync(MarketOrderRequest request, int? leverage) =>
        WithGateway((request, leverage), static (gateway, order) => gateway.PlaceMarketOrderAsync(order.request, order.leverage));

    private Task<MarketState> ReadMarketAsync(string symbol) =>
        WithGateway((symbol, pnl: _state.Limits.MaxDailyLossUsd is not null), static (gateway, read) => gateway.ReadMarketAsync(read.symbol, read.pnl));

    // Once the account's gateway exists (after its first call) it is used directly; the uses are static lambdas given their
    // argument, so reaching the gateway allocates nothing.
    private Task<T> WithGateway<TArgument, T>(TArgument argument, Func<AccountGateway, TArgument, Task<T>> use)
    {
        var gateway = _gateways.ForAsync(_state.Definition!.AccountId);
        return gateway.IsCompletedSuccessfully ? use(gateway.Result, argument) : UseWhenCreated(gateway, argument, use);

        static async Task<T> UseWhenCreated(Task<AccountGateway> gateway, TArgument argument, Func<AccountGateway, TArgument, Task<T>> use) =>
            await use(await gateway, argument);
    }

    private static string Describe(Exception error) => error switch
    {
        LeverageNotSetException leverage => $"could not set leverage {leverage.Leverage}x on {leverage.Symbol}: {Describe(leverage.InnerException!)}",
        ExchangeException exchange => exchange.Kind switch
        {
            ExchangeErrorKind.Rejected => $"rejected by {exchange.Exchange}: {exchange.VenueMessage}",
            ExchangeErrorKind.AccountFatal => $"account unusable on {exchange.Exchange}: {exchange.VenueMessage}",
            ExchangeErrorKind.Retryable => $"{exchange.Exchange} unavailable: {exchange.VenueMessage}",
            _ => $"outcome unknown on {exchange.Exchange}: {exchange.VenueMessage}",
        },
        _ => error.Message,
    };
}
