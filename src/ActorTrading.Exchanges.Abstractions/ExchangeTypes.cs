namespace ActorTrading.Exchanges;

/// <summary>The exchanges a subscription can trade on.</summary>
public enum ExchangeName
{
    /// <summary>The built-in paper exchange.</summary>
    Paper,

    /// <summary>Binance USD-M futures.</summary>
    Binance,

    /// <summary>Bybit V5, linear USDT perpetuals.</summary>
    Bybit,
}

/// <summary>An account's API key pair; the secret is only ever held in memory in clear.</summary>
public sealed record ExchangeCredentials(string ApiKey, string ApiSecret, bool Testnet)
{
    /// <inheritdoc/>
    public override string ToString() => $"ExchangeCredentials {{ ApiKey = {Mask(ApiKey)}, ApiSecret = ***, Testnet = {Testnet} }}";

    private static string Mask(string key) => key.Length <= 4 ? "***" : key[..4] + "***";
}

/// <summary>Buy or sell, as both exchanges name it.</summary>
public enum OrderSide
{
    /// <summary>Buy.</summary>
    Buy,

    /// <summary>Sell.</summary>
    Sell,
}

/// <summary>Stop-loss or take-profit.</summary>
public enum ProtectiveKind
{
    /// <summary>Closes the position when the price moves against it (Binance STOP_MARKET, Bybit stopLoss).</summary>
    StopLoss,

    /// <summary>Closes the position when the price reaches the target (Binance TAKE_PROFIT_MARKET, Bybit takeProfit).</summary>
    TakeProfit,
}

/// <summary>A market order (Binance <c>newClientOrderId</c> / Bybit <c>orderLinkId</c> = <see cref="ClientOrderId"/>).</summary>
public sealed record MarketOrderRequest(string Symbol, OrderSide Side, decimal Quantity, string ClientOrderId, bool ReduceOnly = false);

/// <summary>A trigger order that closes the whole position on the given side when the mark price crosses <see cref="TriggerPrice"/>.</summary>
public sealed record ProtectiveOrderRequest(string Symbol, OrderSide Side, ProtectiveKind Kind, decimal TriggerPrice, string ClientOrderId);

/// <summary>Order states, with the exchanges' meanings.</summary>
public enum OrderStatus
{
    /// <summary>Accepted, not filled (trigger orders wait here).</summary>
    New,

    /// <summary>Partly filled.</summary>
    PartiallyFilled,

    /// <summary>Completely filled.</summary>
    Filled,

    /// <summary>Cancelled.</summary>
    Canceled,

    /// <summary>Rejected by the exchange.</summary>
    Rejected,

    /// <summary>Expired (for example an IOC remainder).</summary>
    Expired,
}

/// <summary>An order as the exchange reports it.</summary>
public sealed record ExchangeOrder(
    string Symbol,
    string ClientOrderId,
    string ExchangeOrderId,
    OrderSide Side,
    OrderStatus Status,
    decimal Quantity,
    decimal ExecutedQuantity,
    decimal AveragePrice,
    bool ReduceOnly);

/// <summary>An open position in one-way mode: positive quantity long, negative short.</summary>
public sealed record Position(string Symbol, decimal Quantity, decimal EntryPrice, decimal UnrealizedPnl, int Leverage);

/// <summary>The account's USDT.</summary>
public sealed record Balance(string Asset, decimal WalletBalance, decimal AvailableBalance);
