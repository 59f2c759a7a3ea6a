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
    private readonly AccountGateway[] _gateways;
    private int _round;
    private string? _protectedBy;

    public BareAccounts(IPriceSource prices, int count, string prefix)
    {
        var exchange = new PaperExchange(prices, new PaperExchangeSettings());
        _accounts = [.. Enumerable.Range(0, count).Select(i => exchange.Account($"{prefix}-{i}"))];
        _gateways = [.. _accounts.Select(account => new AccountGateway(account, new AccountGatewaySettings(), TimeProvider.System))];
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
    /// <see cref="AccountGateway"/> per account as the node does (the account read: filters, mark price, positions,
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
}
