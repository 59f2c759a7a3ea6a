using System.Collections.Concurrent;
using ActorTrading.Domain;
using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>Finds an exchange account's venue and decrypted credentials by id.</summary>
public interface IAccountDirectory
{
    /// <summary>The account, or an exception naming why it cannot be used.</summary>
    Task<(ExchangeName Exchange, ExchangeCredentials Credentials)> GetAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>Settings of account gateways.</summary>
public sealed record AccountGatewaySettings
{
    /// <summary>Longest an exchange call may take; after it the outcome is unknown. Default 10 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The one door to one exchange account: calls are serialized (two subscriptions on one account never race
/// each other's orders), each has a time limit after which its outcome counts as unknown (the clients cache the symbol
/// filters, per venue host), and it remembers the leverage it last set per symbol: the account's, whichever subscription set it.
/// </summary>
public sealed class AccountGateway(IExchangeAccount account, AccountGatewaySettings settings, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    // Written within a turn; concurrent because a call the time limit gave up on may still be running.
    private readonly ConcurrentDictionary<string, int> _leverage = new(StringComparer.Ordinal);

    // Calls run one at a time, so one time limit serves them all: it is reset after each call (no timer and no token
    // source per call), and replaced only after it fired.
    private CancellationTokenSource _timeout = new();

    /// <summary>The account's venue.</summary>
    public ExchangeName Exchange => account.Exchange;

    /// <summary>Runs one call on the account, alone and within the time limit.</summary>
    public async Task<T> RunAsync<T>(Func<IExchangeAccount, CancellationToken, Task<T>> call, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        var timeout = _timeout;
        var stop = cancellationToken.CanBeCanceled ? cancellationToken.Register(static source => ((CancellationTokenSource)source!).Cancel(), timeout) : default;
        try
        {
            timeout.CancelAfter(settings.CallTimeout);
            Task<T> running;
            // The same limit as the token's, on its clock, for the client to fit its waits and retries in.
            using (ExchangeDeadline.Begin(settings.CallTimeout))
            {
                running = call(account, timeout.Token);
            }

            return running.IsCompleted ? await running : await running.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ExchangeException(account.Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout,
                $"no answer within {settings.CallTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            // Unhooked before the next call can take the source: a late cancellation of this caller cannot reach it.
            stop.Dispose();
            if (!timeout.TryReset())
            {
                timeout.Dispose();
                _timeout = new CancellationTokenSource();
            }

            _turn.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _turn.Dispose();
        _timeout.Dispose();
    }

    /// <summary>Everything the planner needs about the account and the symbol, read in one turn.</summary>
    public Task<MarketState> ReadMarketAsync(string symbol, CancellationToken cancellationToken = default) =>
        ReadMarketAsync(symbol, withRealizedPnl: true, cancellationToken);

    /// <summary>
    /// Everything the planner needs about the account and the symbol, read in one turn; the realized profit and loss of the day
    /// only <paramref name="withRealizedPnl"/> (a daily-loss limit needs it; nothing else does, and on Binance it is the
    /// costliest read: weight 30 of the IP's 2,400 a minute). Without it <see cref="MarketState.RealizedPnlToday"/> is 0.
    /// </summary>
    public Task<MarketState> ReadMarketAsync(string symbol, bool withRealizedPnl, CancellationToken cancellationToken = default) =>
        RunAsync(async (exchange, token) =>
        {
            var filters = await exchange.GetSymbolFiltersAsync(symbol, token);
            var price = await exchange.GetMarkPriceAsync(symbol, token);
            var positions = await exchange.GetPositionsAsync(token);
            var now = time.GetUtcNow();
            var pnl = withRealizedPnl ? await exchange.GetRealizedPnlAsync(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero), token) : 0m;
            // A loop, not LINQ: every subscription reads its account at every signal.
            Position? position = null;
            var open = 0;
            foreach (var held in positions)
            {
                position ??= held.Symbol == symbol ? held : null;
                open += held.Quantity != 0 ? 1 : 0;
            }

            return new MarketState(position?.Quantity ?? 0, open, pnl, price, filters);
        }, cancellationToken);

    /// <summary>
    /// Places a market order, in the same turn setting the symbol's leverage first when <paramref name="leverage"/> is given and
    /// differs from what this account last set (through this gateway: the first order after a start sets it). In one turn,
    /// another subscription on the account cannot change the leverage between the two. A set that fails throws
    /// <see cref="LeverageNotSetException"/>, and nothing is placed.
    /// </summary>
    public Task<PlacedOrder> PlaceMarketOrderAsync(MarketOrderRequest request, int? leverage, CancellationToken cancellationToken = default) =>
        RunAsync(async (exchange, token) =>
        {
            var set = false;
            if (leverage is { } wanted && (!_leverage.TryGetValue(request.Symbol, out var current) || current != wanted))
            {
                // Unknown from here until the venue confirms: a set that failed or timed out may have happened.
                _leverage.TryRemove(request.Symbol, out _);
                try
                {
                    await exchange.SetLeverageAsync(request.Symbol, wanted, token);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    throw new LeverageNotSetException(request.Symbol, wanted, error);
                }

                // Past the time limit the turn is over and another may have begun: neither remember nor place anything.
                token.ThrowIfCancellationRequested();
                _leverage[request.Symbol] = wanted;
                set = true;
            }

            return new PlacedOrder(await exchange.PlaceMarketOrderAsync(request, token), set);
        }, cancellationToken);
}

/// <summary>A market order the exchange confirmed, and whether its leverage was set for it.</summary>
public sealed record PlacedOrder(ExchangeOrder Order, bool LeverageSet);

/// <summary>The leverage an order needed could not be set; the order was not placed.</summary>
public sealed class LeverageNotSetException(string symbol, int leverage, Exception error)
    : Exception($"could not set leverage {leverage}x on {symbol}: {error.Message}", error)
{
    /// <summary>The symbol.</summary>
    public string Symbol { get; } = symbol;

    /// <summary>The leverage wanted.</summary>
    public int Leverage { get; } = leverage;
}

/// <summary>The gateways of all accounts, created on first use from the account directory.</summary>
public sealed class AccountGateways(IAccountDirectory directory, IExchangeAccountFactory factory, AccountGatewaySettings settings, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<AccountGateway>>> _gateways = new(StringComparer.Ordinal);

    /// <summary>The gateway of <paramref name="accountId"/>.</summary>
    public Task<AccountGateway> ForAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var gateway = _gateways.GetOrAdd(accountId, id => new Lazy<Task<AccountGateway>>(async () =>
        {
            var (exchange, credentials) = await directory.GetAsync(id, cancellationToken);
            return new AccountGateway(factory.Create(exchange, credentials), settings, time);
        }));
        if (gateway.Value.IsCompletedSuccessfully)
        {
            return gateway.Value;
        }

        return gateway.Value.ContinueWith(
            task =>
            {
                if (!task.IsCompletedSuccessfully)
                {
                    // A failed lookup is not cached: the account may be fixed or created meanwhile.
                    _gateways.TryRemove(accountId, out _);
                }

                return task;
            },
            cancellationToken,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap();
    }

    /// <summary>Forgets the gateway (credentials changed or the account was deleted).</summary>
    public void Forget(string accountId) => _gateways.TryRemove(accountId, out _);
}
