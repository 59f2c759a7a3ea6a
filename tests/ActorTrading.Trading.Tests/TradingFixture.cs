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

    public IExchangeAccount Create(ExchangeName exchange, ExchangeCredentials credentials) => new Account(this, inner.Create(exchange, credentials));

    private sealed class Account(LosingResponses owner, IExchangeAccount inner) : IExchangeAccount
    {
        public ExchangeName Exchange => inner.Exchange;

        public Task<decimal> GetMarkPriceAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetMarkPriceAsync(symbol, cancellationToken);

        public Task<SymbolFilters> GetSymbolFiltersAsync(string symbol, CancellationToken cancellationToken = default) => inner.GetSymbolFiltersAsync(symbol, cancellationToken);

        public Task SetLeverageAsync(string symbol, int leverage, CancellationToken cancellationToken = default) => inner.SetLeverageAsync(symbol, leverage, cancellationToken);

        public async Task<ExchangeOrder> PlaceMarketOrderAsync(MarketOrderRequest order, CancellationToken cancellationToken = default)
        {
            var placed = await inner.PlaceMarketOrderAsync(order, cancellationToken);
            if (Interlocked.Decrement(ref owner.LoseNext) >= 0)
            {
                throw new ExchangeException(Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout, "response lost after the fill");
            }

            return placed;
        }

        public Task<ExchangeOrder> PlaceProtectiveOrderAsync(ProtectiveOrderRequest order, CancellationToken cancellationToken = default) => inner.PlaceProtectiveOrderAsync(order, cancellationToken);

        public Task<ExchangeOrder?> GetOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => inner.GetOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => inner.CancelOrderAsync(symbol, clientOrderId, cancellationToken);

        public Task<IReadOnlyList<Position>> GetPositionsAsync(CancellationToken cancellationToken = default) => inner.GetPositionsAsync(cancellationToken);

        public Task<Balance> GetBalanceAsync(CancellationToken cancellationToken = default) => inner.GetBalanceAsync(cancellationToken);

        public Task<decimal> GetRealizedPnlAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.GetRealizedPnlAsync(since, cancellationToken);
    }
}
