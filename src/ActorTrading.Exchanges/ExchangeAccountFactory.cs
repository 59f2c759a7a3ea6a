using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges;

/// <summary>
/// Makes account clients from stored credentials with the node's <see cref="ExchangeClientSettings"/>:
/// <see cref="ExchangeCredentials.Testnet"/> picks the venue's testnet unless the node overrides the base URL
/// (the simulator). Clients share one pooled HTTP handler per exchange host. The paper exchange is made by
/// <paramref name="paper"/>, when given.
/// </summary>
public sealed class ExchangeAccountFactory(ExchangeClientSettings settings, Func<ExchangeCredentials, IExchangeAccount>? paper = null)
    : IExchangeAccountFactory
{
    /// <inheritdoc/>
    public IExchangeAccount Create(ExchangeName exchange, ExchangeCredentials credentials) => exchange switch
    {
        ExchangeName.Binance => new BinanceClient(settings.BaseUrlFor(exchange, credentials.Testnet), credentials, settings),
        ExchangeName.Bybit => new BybitClient(settings.BaseUrlFor(exchange, credentials.Testnet), credentials, settings),
        ExchangeName.Paper when paper is not null => paper(credentials),
        _ => throw new NotSupportedException($"no client for exchange {exchange} in this factory"),
    };
}
