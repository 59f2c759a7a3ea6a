using System.Collections.Frozen;
using System.Collections.Concurrent;

namespace ActorTrading.Exchanges.Paper;

/// <summary>Settings of the paper exchange.</summary>
public sealed record PaperExchangeSettings
{
    /// <summary>Taker fee per fill, as a fraction of notional. Default 0.0005 (0.05 %, Binance's base taker rate).</summary>
    public decimal TakerFeeRate { get; init; } = 0.0005m;

    /// <summary>Slippage against the taker, as a fraction of price. Default 0.0002 (2 basis points).</summary>
    public decimal Slippage { get; init; } = 0.0002m;

    /// <summary>USDT a new account starts with. Default 10,000.</summary>
    public decimal StartingBalance { get; init; } = 10_000m;

    /// <summary>Clock of fills and realized profit and loss.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Finished orders (filled, cancelled, expired) an account keeps, newest first; its open orders are always kept.
    /// Default 100. A node runs for months and a copy-trading account places orders every signal: kept for ever they
    /// would be a leak. A subscription only ever looks up the orders of the signal it is finishing, its newest. Every
    /// hundredth save of an account is a whole one, so what is kept is also what such a save writes.
    /// </summary>
    public int FinishedOrdersKept { get; init; } = 100;

    /// <summary>How long each fill's realized profit and loss is kept. Default 2 days (the daily loss limit asks since
    /// 00:00 UTC, at most a day back); asking for more than is kept is refused, never answered short.</summary>
    public TimeSpan RealizedPnlKept { get; init; } = TimeSpan.FromDays(2);
}

/// <summary>
/// The paper venue: one market (a price source) shared by many accounts, each keyed by its API key.
/// Prices move when the source moves; <see cref="CheckTriggers"/> then fires the stop-losses and
/// take-profits that the new prices cross. Made with a constructor its accounts live in memory; opened on a store
/// (<see cref="OpenAsync"/>) they are kept there and a restart finds them as they were.
/// </summary>
public sealed class PaperExchange(IPriceSource prices, PaperExchangeSettings? settings = null) : IExchangeAccountFactory
{
    private readonly ConcurrentDictionary<string, PaperAccount> _accounts = new(StringComparer.Ordinal);

    /// <summary>Opens the paper exchange on <paramref name="store"/>: every account saved there is back as it was saved
    /// (its stop-losses and take-profits fire at the next <see cref="CheckTriggersAsync"/>), and every change is saved.</summary>
    public static async Task<PaperExchange> OpenAsync(IPriceSource prices, IPaperAccountStore store, PaperExchangeSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var exchange = new PaperExchange(prices, settings) { Store = store };
        foreach (var state in await store.LoadAllAsync(cancellationToken))
        {
            exchange._accounts[state.ApiKey] = new PaperAccount(exchange, state);
        }

        return exchange;
    }

    /// <summary>Where the accounts are kept; null: in memory only.</summary>
    public IPaperAccountStore? Store { get; private init; }

    /// <summary>The settings.</summary>
    public PaperExchangeSettings Settings { get; } = Validated(settings ?? new PaperExchangeSettings());

    /// <summary>The market's prices.</summary>
    public IPriceSource Prices { get; } = prices;

    /// <summary>Every order of every account, oldest first (for assertions and the demo).</summary>
    public IReadOnlyList<ExchangeOrder> AllOrders => [.. _accounts.Values.SelectMany(account => account.Orders)];

    /// <inheritdoc/>
    public IExchangeAccount Create(ExchangeName exchange, ExchangeCredentials credentials) =>
        exchange == ExchangeName.Paper
            ? Account(credentials.ApiKey)
            : throw new ArgumentException($"the paper exchange cannot trade on {exchange}", nameof(exchange));

    /// <summary>The account of <paramref name="apiKey"/>, opened with the starting balance on first use.</summary>
    public PaperAccount Account(string apiKey) => _accounts.GetOrAdd(apiKey, key => new PaperAccount(this, key));

    /// <summary>Fires every stop-loss and take-profit that the current prices cross.</summary>
    /// <exception cref="AggregateException">Some accounts could not be checked (a symbol with no price); every other one was.</exception>
    public void CheckTriggers()
    {
        List<Exception>? failures = null;
        foreach (var account in _accounts.Values)
        {
            try
            {
                account.CheckTriggers();
            }
            catch (ExchangeException error)
            {
                (failures ??= []).Add(error);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("some paper accounts' stop-losses and take-profits could not be checked", failures);
        }
    }

    /// <summary>Fires every stop-loss and take-profit that the current prices cross (<see cref="CheckTriggers"/>), then
    /// saves the accounts it changed.</summary>
    /// <exception cref="AggregateException">Some accounts could not be checked or saved (a save left undone is made with the
    /// account's next change or check); every other one was.</exception>
    public async Task CheckTriggersAsync()
    {
        List<Exception>? failures = null;
        foreach (var account in _accounts.Values)
        {
            try
            {
                if (account.CheckTriggers())
                {
                    await account.SaveAsync();
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                (failures ??= []).Add(error);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("some paper accounts' stop-losses and take-profits could not be checked or saved", failures);
        }
    }

    internal decimal MarkPrice(string symbol) =>
        Prices.PriceOf(symbol) ?? throw new ExchangeException(ExchangeName.Paper, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnknownSymbol, $"symbol {symbol} is not traded here");

    internal static SymbolFilters FiltersOf(string symbol) =>
        PaperSymbols.Filters.TryGetValue(symbol, out var filters) ? filters : throw NotTraded(symbol);

    // The filters never change: one finished task per symbol, not one per call (every subscription asks at every trade).
    private static readonly FrozenDictionary<string, Task<SymbolFilters>> s_filterTasks =
        PaperSymbols.Filters.ToFrozenDictionary(pair => pair.Key, pair => Task.FromResult(pair.Value), StringComparer.Ordinal);

    internal static Task<SymbolFilters> FiltersTaskOf(string symbol) =>
        s_filterTasks.TryGetValue(symbol, out var filters) ? filters : throw NotTraded(symbol);

    private static ExchangeException NotTraded(string symbol) =>
        new(ExchangeName.Paper, ExchangeErrorKind.Rejected, ExchangeErrorCodes.UnknownSymbol, $"symbol {symbol} is not traded here");

    private static PaperExchangeSettings Validated(PaperExchangeSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.FinishedOrdersKept, 1, nameof(settings.FinishedOrdersKept));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.RealizedPnlKept, TimeSpan.FromDays(1), nameof(settings.RealizedPnlKept));
        return settings;
    }
}
