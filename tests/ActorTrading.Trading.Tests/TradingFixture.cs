using System.Collections.Concurrent;
using ActorTrading.Actors.Persistence;

namespace ActorTrading.Trading.Tests;

/// <summary>Accounts of the paper exchange, by id.</summary>
internal sealed class InMemoryAccounts : IAccountDirectory
{
    private readonly ConcurrentDictionary<string, (ExchangeName, ExchangeCredentials)> _accounts = new();

    public void Add(string accountId, string apiKey) => _accounts[accountId] = (ExchangeName.Paper, new ExchangeCredentials(apiKey, "secret", false));

    public Task<(ExchangeName Exchange, ExchangeCredentials Credentials)> GetAsync(string accountId, CancellationToken cancellationToken) =>
        _accounts.TryGetValue(accountId, out var account)
            ? Task.FromResult(account)
            : Task.FromException<(ExchangeName, ExchangeCredentials)>(new KeyNotFoundException($"account {accountId} does not exist"));
}

/// <summary>A paper account whose next order reaches the exchange but whose answer is lost.</summary>
internal sealed class LosingResponses(IExchangeAccountFactory inner) : IExchangeAccountFactory
{
    public int LoseNext;

    /// <summary>Lookups by client order id that fail (503) before they answer again.</summary>
    public int FailLookups;

    /// <summary>Cancels that fail (503) before they work again.</summary>
    public int FailCancels;

    /// <summary>Leverage changes sent.</summary>
    public int LeverageSets;

    /// <summary>Leverage changes the exchange refuses before it takes them again.</summary>
    public int RefuseLeverage;

    /// <summary>Reads of the realized profit and loss (Binance's costliest read).</summary>
    public int PnlReads;

    /// <summary>When set, each stop-loss or take-profit placed, and each cancel, waits for its pair to be sent too.</summary>
    public Rendezvous? Pairs;

    /// <summary>Market orders sent, by client order id (whatever the exchange answered).</summary>
    public ConcurrentDictionary<string, int> Sent { get; } = new();

    public IExchangeAccount Create(ExchangeName exchange, ExchangeCredentials credentials) => new Account(this, inner.Create(exchange, credentials));

    private sealed class Account(LosingResponses owner, IExchangeAccount inner) : IExchangeAccount
    {
        public ExchangeName Exchange => inner.Exchange;

        public Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetMarkPriceAsync(symbol, cancellationToken);

        public Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetSymbolFiltersAsync(symbol, cancellationToken);

        public Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.LeverageSets);
            return Interlocked.Decrement(ref owner.RefuseLeverage) >= 0
                ? Task.FromException(new ExchangeException(Exchange, ExchangeErrorKind.Rejected, "-4028", "Leverage 10 is not valid"))
                : inner.SetLeverageAsync(symbol, leverage, cancellationToken);
        }

        public async Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default)
        {
            owner.Sent.AddOrUpdate(order.ClientOrderId, 1, (_, n) => n + 1);
            var placed = await inner.PlaceMarketOrderAsync(order, cancellationToken);
            if (Interlocked.Decrement(ref owner.LoseNext) >= 0)
            {
                throw new ExchangeException(Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout, "response lost after the fill");
            }

            return placed;
        }

        public async Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default)
        {
            if (owner.Pairs is { } pairs)
            {
                await pairs.MeetAsync(Exchange, order.ClientOrderId);
            }

            return await inner.PlaceProtectiveOrderAsync(order, cancellationToken);
        }

        public Task<ExchangeOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) =>
            Interlocked.Decrement(ref owner.FailLookups) >= 0
                ? Task.FromException<ExchangeOrder?>(new ExchangeException(Exchange, ExchangeErrorKind.Retryable, "503", "service unavailable"))
                : inner.GetOrderAsync(symbol, clientOrderId, cancellationToken);

        public async Task CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref owner.FailCancels) >= 0)
            {
                throw new ExchangeException(Exchange, ExchangeErrorKind.Retryable, "503", "service unavailable");
            }

            if (owner.Pairs is { } pairs)
            {
                await pairs.MeetAsync(Exchange, clientOrderId);
            }

            await inner.CancelOrderAsync(symbol, clientOrderId, cancellationToken);
        }

        public Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default) => inner.GetPositionsAsync(cancellationToken);

        public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default) => inner.GetBalanceAsync(cancellationToken);

        public Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.PnlReads);
            return inner.GetRealizedPnlAsync(since, cancellationToken);
        }
    }
}

/// <summary>
/// Calls that go through only in pairs: each waits (up to <paramref name="limit"/>) until a second one is in flight with it,
/// then both go on; one left alone fails as the venue's 503. Made one after the other, the first of two always fails.
/// </summary>
internal sealed class Rendezvous(TimeSpan limit)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiting;

    /// <summary>Client order ids of the calls that came alone.</summary>
    public ConcurrentQueue<string> Alone { get; } = new();

    public async Task MeetAsync(ExchangeName exchange, string clientOrderId)
    {
        TaskCompletionSource? partner;
        TaskCompletionSource mine;
        lock (_lock)
        {
            partner = _waiting;
            mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting = partner is null ? mine : null;
        }

        if (partner is not null)
        {
            partner.TrySetResult();
            return;
        }

        try
        {
            await mine.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiting = ReferenceEquals(_waiting, mine) ? null : _waiting;
            }

            Alone.Enqueue(clientOrderId);
            throw new ExchangeException(exchange, ExchangeErrorKind.Retryable, "503", $"{clientOrderId} came alone: nothing else was in flight with it");
        }
    }
}

/// <summary>A journal that fails the next write matching a condition (the disk or the database went away), once.</summary>
internal sealed class FailingWrites(IJournal inner) : IJournal
{
    private Func<AtomicWrite, bool>? _failNext;
    private int _failed;

    public int Failed => Volatile.Read(ref _failed);

    public void FailNext(Func<AtomicWrite, bool> condition) => Volatile.Write(ref _failNext, condition);

    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        var results = new Exception?[writes.Count];
        var passed = new List<(int Index, AtomicWrite Write)>();
        for (var i = 0; i < writes.Count; i++)
        {
            var condition = Volatile.Read(ref _failNext);
            if (condition is not null && condition(writes[i]) && Interlocked.CompareExchange(ref _failNext, null, condition) == condition)
            {
                Interlocked.Increment(ref _failed);
                results[i] = new IOException("the journal's storage went away");
                continue;
            }

            passed.Add((i, writes[i]));
        }

        var written = await inner.WriteMessagesAsync([.. passed.Select(p => p.Write)], cancellationToken);
        for (var i = 0; i < passed.Count; i++)
        {
            results[passed[i].Index] = written[i];
        }

        return results;
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default) =>
        inner.ReplayMessagesAsync(persistenceId, fromSequenceNr, toSequenceNr, max, onReplayed, cancellationToken);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        inner.DeleteMessagesToAsync(persistenceId, toSequenceNr, cancellationToken);
}
