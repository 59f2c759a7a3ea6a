using ActorTrading.Actors;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using static ActorTrading.Trading.AccountGatewayProtocol;

namespace ActorTrading.Trading;

/// <summary>
/// The one door to one exchange account, wherever the subscriptions that trade on it run: a sharded entity keyed by the
/// account id (region <c>account-gateway</c>). Calls are taken one at a time from its mailbox, in the order they arrive
/// (two subscriptions on one account never race each other's orders); each has a time limit after which its outcome
/// counts as unknown and the next call begins; and it remembers the leverage it last set per symbol: the account's,
/// whichever subscription set it. Nothing here is stored: after a passivation or a restart the first order sets the
/// leverage again.
/// </summary>
/// <remarks>A call runs outside the entity's turn (it is a request to a venue); its result comes back as a message,
/// so the queue, the client and the remembered leverage are only ever touched in the entity's own turn.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "An actor's life ends in PostStop, which disposes the time limit.")]
public sealed class AccountGatewayEntity : ActorBase
{
    private readonly string _accountId;
    private readonly IAccountDirectory _directory;
    private readonly IExchangeAccountFactory _factory;
    private readonly AccountGatewaySettings _settings;
    private readonly TimeProvider _time;
    private readonly Queue<(object Command, IActorRef ReplyTo, Call? Told)> _waiting = new();
    private readonly Dictionary<string, int> _leverage = new(StringComparer.Ordinal);
    private IExchangeAccount? _account;

    // The call running, if any: a result is taken only from it (not from a call the time limit gave up on).
    private Turn? _turn;

    // Calls run one at a time, so one time limit serves them all: reset after each call (no timer and no token source
    // per call), replaced only after it fired.
    private CancellationTokenSource _timeout;

    /// <summary>Creates the entity.</summary>
    public AccountGatewayEntity(string accountId, IAccountDirectory directory, IExchangeAccountFactory factory, AccountGatewaySettings settings, TimeProvider time)
    {
        _accountId = accountId;
        _directory = directory;
        _factory = factory;
        _settings = settings;
        _time = time;
        _timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>Props for the gateway region.</summary>
    public static Props Props(string accountId, IAccountDirectory directory, IExchangeAccountFactory factory, AccountGatewaySettings settings, TimeProvider time) =>
        Actors.Props.Create(() => new AccountGatewayEntity(accountId, directory, factory, settings, time));

    /// <inheritdoc/>
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case ReadMarket or PlaceMarketOrder or Run:
                _waiting.Enqueue((message, Sender, null));
                TakeNext();
                break;
            case Call { Command: ReadMarket or PlaceMarketOrder or Run } call:
                _waiting.Enqueue((call.Command, call.ReplyTo, call));
                TakeNext();
                break;
            case Call call:
                call.ReplyTo.Tell(new CallEnded(call.Tag, null, new InvalidOperationException($"not a call: {call.Command.GetType().Name}"), false), Self);
                break;
            case TurnEnded ended when ReferenceEquals(ended.Turn, _turn):
                EndTurn(ended);
                TakeNext();
                break;
            case TurnEnded:
                break;
            case Forget:
                // A call running keeps the client it started with; the next one reads the credentials again.
                _account = null;
                _leverage.Clear();
                Sender.Tell(new AccountProtocol.Ok(_accountId), Self);
                break;
            case TradingRegions.StopEntity:
                Context.Stop(Self);
                break;
            default:
                return false;
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void PostStop()
    {
        // Stopped with calls waiting (a crash, a shutdown): their callers learn it now rather than at their ask's limit.
        while (_waiting.TryDequeue(out var waiting))
        {
            Answer(waiting.ReplyTo, waiting.Told, null, Unknown($"the gateway of account {_accountId} stopped before the call's turn"), Unsaved());
        }

        if (_turn is { } turn)
        {
            // A call cut short may have changed the account without saving it.
            Answer(turn.ReplyTo, turn.Told, null, Unknown($"the gateway of account {_accountId} stopped during the call"), Unsaved() || turn.Told is { SaveLater: false });
        }

        _timeout.Dispose();
    }

    private void TakeNext()
    {
        // A loop: a call that completes at once (a paper account, a cached read) ends in this turn, and the next one begins.
        while (_turn is null && _waiting.TryDequeue(out var next))
        {
            var turn = new Turn(next.Command, next.ReplyTo, next.Told);
            _turn = turn;
            var leverage = LeverageToSet(next.Command);
            var running = RunTurnAsync(turn, _account, leverage, _timeout);
            if (!running.IsCompleted)
            {
                running.PipeTo(Self, Self);
                return;
            }

            // Never faulted: RunTurnAsync catches everything into its TurnEnded.
            EndTurn(running.Result);
        }
    }

    // Decided in the entity's turn: forgotten from here until the venue confirms (a set that fails or times out may have happened).
    private int? LeverageToSet(object command)
    {
        if (command is not PlaceMarketOrder { Leverage: { } wanted } place
            || (_leverage.TryGetValue(place.Request.Symbol, out var current) && current == wanted))
        {
            return null;
        }

        _leverage.Remove(place.Request.Symbol);
        return wanted;
    }

    private void EndTurn(TurnEnded ended)
    {
        _turn = null;
        if (ended.Timed && !_timeout.TryReset())
        {
            _timeout.Dispose();
            _timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        }

        _account ??= ended.Account;
        TradingMetrics.ExchangeCallEnded(_account?.Exchange, ended.Turn.Command, ended.Error, ended.Turn.Started);
        if (ended.LeverageConfirmed && ended.Turn.Command is PlaceMarketOrder { Leverage: { } leverage } place)
        {
            _leverage[place.Request.Symbol] = leverage;
        }

        Answer(ended.Turn.ReplyTo, ended.Turn.Told, ended.Result, ended.Error, ended.Unsaved);
    }

    // A told call's end goes back as its CallEnded; an asked one's as the ask expects it.
    private void Answer(IActorRef replyTo, Call? told, object? result, Exception? error, bool unsaved) =>
        replyTo.Tell(told is not null ? new CallEnded(told.Tag, result, error, unsaved)
            : error is null ? new Status.Success(result) : new Status.Failure(error), Self);

    // Whether the account this gateway has open holds changes not durable yet (only a paper account keeps any).
    private bool Unsaved() => _account is IDeferredSaving { HasUnsavedChanges: true };

    // Never throws: whatever happens is the turn's end, told back to the entity.
    private async Task<TurnEnded> RunTurnAsync(Turn turn, IExchangeAccount? account, int? leverage, CancellationTokenSource timeout)
    {
        IExchangeAccount? loaded = null;
        try
        {
            if (account is null)
            {
                // Outside the call's time limit: reading the credentials is not a call on the venue. A failure is not kept:
                // the account may be fixed or created meanwhile, and the next call reads it again.
                var (exchange, credentials) = await _directory.GetAsync(_accountId, CancellationToken.None);
                account = loaded = _factory.Create(exchange, credentials);
            }

            var timed = false;
            try
            {
                Task<object> running;

                // An account that keeps its own state (paper) saves once after the turn's calls, before the answer; or
                // later, when the caller said it saves before it records anything (Call.SaveLater).
                var deferred = account as IDeferredSaving;
                var saveNow = turn.Told is not { SaveLater: true };

                // The same limit as the token's, for the client to fit its waits and retries in.
                using (ExchangeDeadline.Begin(_settings.CallTimeout, savesDeferred: deferred is not null))
                {
                    running = CallAsync(turn, account, leverage, timeout.Token);
                }

                object result;
                try
                {
                    // The time limit is armed only for a call still running after its synchronous part (a request to a
                    // venue): one that is already done (a paper account, a cached read) needs no timer.
                    if (!running.IsCompleted)
                    {
                        timed = true;
                        timeout.CancelAfter(_settings.CallTimeout);
                    }

                    result = running.IsCompleted ? await running : await running.WaitAsync(timeout.Token);
                }
                finally
                {
                    // A failed call may follow one that changed the account: saved all the same. Not under the call's time
                    // limit: the save goes to the node's own store, which completes or fails by itself, and the account's
                    // next call would only wait behind it.
                    if (deferred is not null && saveNow)
                    {
                        await deferred.SaveDeferredAsync();
                    }
                }
                return new TurnEnded(turn, loaded, result, null, turn.LeverageConfirmed, timed, deferred?.HasUnsavedChanges == true);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Read before the next turn can begin: a set confirmed after this is not remembered (it may be overtaken).
                // The call may still change the account after this answer: counted as unsaved.
                return new TurnEnded(turn, loaded, null, new ExchangeException(account.Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout,
                    $"no answer within {_settings.CallTimeout.TotalSeconds:0.#} s"), false, timed, account is IDeferredSaving);
            }
            catch (Exception error) when (timed)
            {
                return new TurnEnded(turn, loaded, null, error, turn.LeverageConfirmed, timed, account is IDeferredSaving { HasUnsavedChanges: true });
            }
        }
        catch (Exception error)
        {
            return new TurnEnded(turn, loaded, null, error, turn.LeverageConfirmed, Unsaved: account is IDeferredSaving { HasUnsavedChanges: true });
        }
    }

    private Task<object> CallAsync(Turn turn, IExchangeAccount account, int? leverage, CancellationToken token) => turn.Command switch
    {
        Run run => run.Call(account, token),
        ReadMarket read => ReadMarketAsync(account, read, token),
        PlaceMarketOrder place => PlaceAsync(turn, account, place, leverage, token),
        _ => throw new InvalidOperationException($"not a call: {turn.Command.GetType().Name}"),
    };

    private async Task<object> ReadMarketAsync(IExchangeAccount exchange, ReadMarket read, CancellationToken token)
    {
        var filters = await exchange.GetSymbolFiltersAsync(read.Symbol, token);
        var price = await exchange.GetMarkPriceAsync(read.Symbol, token);
        var positions = await exchange.GetPositionsAsync(token);
        var now = _time.GetUtcNow();
        var pnl = read.WithRealizedPnl ? await exchange.GetRealizedPnlAsync(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero), token) : 0m;
        // A loop, not LINQ: every subscription reads its account at every signal.
        Position? position = null;
        var open = 0;
        foreach (var held in positions)
        {
            position ??= held.Symbol == read.Symbol ? held : null;
            open += held.Quantity != 0 ? 1 : 0;
        }

        return new MarketState(position?.Quantity ?? 0, open, pnl, price, filters);
    }

    private static async Task<object> PlaceAsync(Turn turn, IExchangeAccount exchange, PlaceMarketOrder place, int? leverage, CancellationToken token)
    {
        if (leverage is { } wanted)
        {
            try
            {
                await exchange.SetLeverageAsync(place.Request.Symbol, wanted, token);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw new LeverageNotSetException(place.Request.Symbol, wanted, error);
            }

            // Past the time limit the turn is over and another may have begun: neither remember nor place anything.
            token.ThrowIfCancellationRequested();
            turn.LeverageConfirmed = true;
        }

        return new PlacedOrder(await exchange.PlaceMarketOrderAsync(place.Request, token), leverage is not null);
    }

    // The outcome of a call cut short is unknown: an ExchangeException of that kind, or (before the venue is known) any
    // other error, which a subscription counts as unknown too.
    private Exception Unknown(string message) => _account is { } account
        ? new ExchangeException(account.Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout, message)
        : new InvalidOperationException(message);

    /// <summary>One call and who waits for its answer.</summary>
    private sealed class Turn(object command, IActorRef replyTo, Call? told)
    {
        public object Command { get; } = command;

        public IActorRef ReplyTo { get; } = replyTo;

        /// <summary>The call when it was told (answered with a <see cref="CallEnded"/>); null when asked.</summary>
        public Call? Told { get; } = told;

        /// <summary>When the turn began (<see cref="System.Diagnostics.Stopwatch"/> ticks), for the call's duration metric.</summary>
        public long Started { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

        /// <summary>Set by the call when the venue confirmed the leverage; read by the entity when the turn ends.</summary>
        public bool LeverageConfirmed { get; set; }
    }

    private sealed record TurnEnded(Turn Turn, IExchangeAccount? Account, object? Result, Exception? Error, bool LeverageConfirmed, bool Timed = false, bool Unsaved = false);
}
