using System.Diagnostics;
using ActorTrading.Domain;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Trading;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// The baselines of <c>fan-out</c>: the same orders as a signal's fan-out, on as many paper accounts of a paper
/// exchange of their own (same prices, same settings), done by a bare <see cref="Parallel.ForEachAsync{TSource}(IEnumerable{TSource}, ParallelOptions, Func{TSource, CancellationToken, ValueTask})"/>:
/// no actors, no journal, no HTTP, no read model.
/// </summary>
public sealed class BareAccounts
{
    public const string Symbol = "BTCUSDT";

    private readonly PaperAccount[] _accounts;
    private readonly OneAtATime[] _gateways;
    private int _round;
    private string? _protectedBy;

    public BareAccounts(IPriceSource prices, int count, string prefix)
    {
        var exchange = new PaperExchange(prices, new PaperExchangeSettings());
        _accounts = [.. Enumerable.Range(0, count).Select(i => exchange.Account($"{prefix}-{i}"))];
        _gateways = [.. _accounts.Select(account => new OneAtATime(account, new AccountGatewaySettings().CallTimeout))];
    }

    public int Count => _accounts.Length;

    /// <summary>What a subscription sizes at the current price: margin x leverage / price, down to the step.</summary>
    public static decimal Quantity(IPriceSource prices)
    {
        var filters = PaperSymbols.Filters[Symbol];
        var raw = BenchBot.Defaults.MarginUsd * BenchBot.Defaults.Leverage / prices.PriceOf(Symbol)!.Value;
        return Math.Floor(raw / filters.StepSize) * filters.StepSize;
    }

    /// <summary>Sets the bot's leverage on every account (a subscription does it once, before its first opening order).</summary>
    public Task SetLeverageAsync() =>
        Parallel.ForEachAsync(_accounts, async (account, token) => await account.SetLeverageAsync(Symbol, BenchBot.Defaults.Leverage, token));

    /// <summary>The baseline: one <see cref="PaperAccount.PlaceMarketOrderAsync"/> per account, all accounts in parallel.</summary>
    public Task<TimeSpan> MarketOrdersAsync(OrderSide side, decimal quantity, bool reduceOnly)
    {
        var tag = $"bare-{Interlocked.Increment(ref _round)}";
        return TimeAsync(async (i, token) =>
        {
            var order = await _accounts[i].PlaceMarketOrderAsync(new MarketOrderRequest(Symbol, side, quantity, $"{tag}-{i}", reduceOnly), token);
            Check(order);
        });
    }

    /// <summary>
    /// A second, wider baseline: every exchange call a subscription makes for the signal, through an
    /// one door per account as the node's <see cref="AccountGateway"/> (calls one at a time, each with the time limit; without its actor) (the account read: filters, mark price, positions,
    /// today's PnL; the market order; for an opening order the filters and a stop-loss and a take-profit).
    /// </summary>
    public Task<TimeSpan> SubscriptionCallsAsync(OrderSide side, decimal quantity, bool reduceOnly)
    {
        var tag = $"calls-{Interlocked.Increment(ref _round)}";

        // A close also cancels the stop-loss and take-profit the last buy placed, as a subscription does.
        var protectedBy = reduceOnly ? _protectedBy : null;
        _protectedBy = reduceOnly ? null : tag;
        return TimeAsync(async (i, token) =>
        {
            var gateway = _gateways[i];
            await gateway.ReadMarketAsync(Symbol, token);
            var order = await gateway.RunAsync((account, t) => account.PlaceMarketOrderAsync(new MarketOrderRequest(Symbol, side, quantity, $"{tag}-{i}", reduceOnly), t), token);
            Check(order);
            if (protectedBy is not null)
            {
                await gateway.RunAsync(async (account, t) =>
                {
                    await account.CancelOrderAsync(Symbol, $"{protectedBy}-{i}-{ProtectiveKind.StopLoss}", t);
                    await account.CancelOrderAsync(Symbol, $"{protectedBy}-{i}-{ProtectiveKind.TakeProfit}", t);
                    return 0;
                }, token);
            }

            if (!reduceOnly)
            {
                await gateway.RunAsync(async (account, t) =>
                {
                    var filters = await account.GetSymbolFiltersAsync(Symbol, t);
                    foreach (var (kind, closingSide, trigger) in Protection.For(side, order.AveragePrice, BenchBot.Defaults, filters))
                    {
                        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest(Symbol, closingSide, kind, trigger, $"{tag}-{i}-{kind}"), t);
                    }

                    return 0;
                }, token);
            }
        });
    }

    private async Task<TimeSpan> TimeAsync(Func<int, CancellationToken, Task> body)
    {
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, _accounts.Length), async (i, token) => await body(i, token));
        return Stopwatch.GetElapsedTime(started);
    }

    private static void Check(ExchangeOrder order)
    {
        if (order.Status != OrderStatus.Filled)
        {
            throw new InvalidOperationException($"bare order {order.ClientOrderId} is {order.Status}");
        }
    }

    /// <summary>The account gateway's door without its actor: one call at a time, each within the time limit.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
    private sealed class OneAtATime(IExchangeAccount account, TimeSpan callTimeout)
    {
        private readonly SemaphoreSlim _turn = new(1, 1);

        public async Task<T> RunAsync<T>(Func<IExchangeAccount, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        {
            await _turn.WaitAsync(cancellationToken);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(callTimeout);
                return await call(account, timeout.Token).WaitAsync(timeout.Token);
            }
            finally
            {
                _turn.Release();
            }
        }

        public Task<MarketState> ReadMarketAsync(string symbol, CancellationToken cancellationToken) =>
            RunAsync(async (exchange, token) =>
            {
                var filters = await exchange.GetSymbolFiltersAsync(symbol, token);
                var price = await exchange.GetMarkPriceAsync(symbol, token);
                var positions = await exchange.GetPositionsAsync(token);
                var pnl = await exchange.GetRealizedPnlAsync(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero), token);
                var position = positions.FirstOrDefault(p => p.Symbol == symbol);
                return new MarketState(position?.Quantity ?? 0, positions.Count(p => p.Quantity != 0), pnl, price, filters);
            }, cancellationToken);
    }
}
