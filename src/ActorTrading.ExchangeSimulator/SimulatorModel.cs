namespace ActorTrading.ExchangeSimulator;

/// <summary>The venue a request spoke.</summary>
public enum Venue
{
    /// <summary>Binance USD-M futures (<c>/fapi</c>).</summary>
    Binance,

    /// <summary>Bybit V5 linear (<c>/v5</c>).</summary>
    Bybit,
}

/// <summary>A symbol's rules on the simulator (both venues), BTCUSDT and ETHUSDT by default.</summary>
public sealed record SimSymbol(string Symbol, decimal TickSize, decimal StepSize, decimal MinQuantity, decimal MaxMarketQuantity, decimal BinanceMinNotional, decimal BybitMinNotional, int MaxLeverage);

/// <summary>Every order the simulator accepted, as recorded (<c>GET /_sim/orders</c>).</summary>
public sealed record SimOrder(
    Venue Venue,
    string ApiKey,
    long OrderId,
    string ClientOrderId,
    string Symbol,
    string Side,
    string Type,
    decimal Quantity,
    decimal ExecutedQuantity,
    decimal AveragePrice,
    string Status,
    bool ReduceOnly,
    bool ClosePosition,
    decimal TriggerPrice,
    long Time);

/// <summary>
/// Faults on demand. Each API call (not <c>/_sim</c>) draws once: with <see cref="TooManyRequestsRate"/> it
/// gets a 429, then <see cref="ServerErrorRate"/> a 5xx before anything is done, then <see cref="TimeoutRate"/>
/// no answer at all (nothing done), then <see cref="LostResponseRate"/> the call is executed and its response
/// lost (the connection is reset). Independently, <see cref="LatencyRate"/> of calls wait <see cref="LatencyMs"/>
/// first. <see cref="Banned"/> answers every call with the venue's ban (Binance 418, Bybit 403).
/// <see cref="PathPrefix"/> and <see cref="Method"/>, when set, limit faults to matching requests, and
/// <see cref="MaxFaultedCalls"/> to the first so many of them.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Share of calls delayed by <see cref="LatencyMs"/>.</summary>
    public double LatencyRate { get; init; }

    /// <summary>Added latency in milliseconds.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Share of calls answered 429 with Retry-After.</summary>
    public double TooManyRequestsRate { get; init; }

    /// <summary>Share of calls answered with a 5xx before being executed.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Share of calls never answered (held until the client gives up; not executed).</summary>
    public double TimeoutRate { get; init; }

    /// <summary>Share of calls executed whose response is then lost.</summary>
    public double LostResponseRate { get; init; }

    /// <summary>Every call gets the venue's IP-ban answer.</summary>
    public bool Banned { get; init; }

    /// <summary>Only paths starting with this get faults (null: all API paths).</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Only requests with this HTTP method get faults (null: any method).</summary>
    public string? Method { get; init; }

    /// <summary>Only the first this many matching calls are subject to faults (0: no limit).</summary>
    public int MaxFaultedCalls { get; init; }

    /// <summary>Seed of the draw, for repeatable runs.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>Rate limits the simulator enforces (the venues' documented defaults).</summary>
public sealed record SimulatorLimits
{
    /// <summary>Binance REQUEST_WEIGHT per minute (per IP; the simulator counts all callers together).</summary>
    public int BinanceWeightPerMinute { get; init; } = 2400;

    /// <summary>Binance ORDERS per 10 s per account.</summary>
    public int BinanceOrdersPer10Seconds { get; init; } = 300;

    /// <summary>Binance ORDERS per minute per account.</summary>
    public int BinanceOrdersPerMinute { get; init; } = 1200;

    /// <summary>Bybit order endpoints per second per UID.</summary>
    public int BybitOrdersPerSecond { get; init; } = 10;

    /// <summary>Bybit query endpoints per second per UID.</summary>
    public int BybitQueriesPerSecond { get; init; } = 50;
}
