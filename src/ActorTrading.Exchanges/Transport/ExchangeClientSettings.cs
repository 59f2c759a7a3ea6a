namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// Node settings of the exchange clients. Users choose only the exchange and testnet; the base URLs are
/// the node's (production and testnet defaults, overridden for the simulator).
/// </summary>
public sealed record ExchangeClientSettings
{
    /// <summary>Environment variable that overrides the Binance base URL (scripts, demos, the simulator).</summary>
    public const string BinanceUrlVariable = "ACTORTRADING_BINANCE_URL";

    /// <summary>Environment variable that overrides the Bybit base URL.</summary>
    public const string BybitUrlVariable = "ACTORTRADING_BYBIT_URL";

    /// <summary>Binance USD-M production REST base.</summary>
    public static readonly Uri BinanceProduction = new("https://fapi.binance.com");

    /// <summary>Binance USD-M testnet REST base, as the General Info page names it today.</summary>
    public static readonly Uri BinanceTestnet = new("https://demo-fapi.binance.com");

    /// <summary>Bybit V5 production REST base.</summary>
    public static readonly Uri BybitProduction = new("https://api.bybit.com");

    /// <summary>Bybit V5 testnet REST base.</summary>
    public static readonly Uri BybitTestnet = new("https://api-testnet.bybit.com");

    /// <summary>When set, every Binance account (production or testnet) talks to this base URL.</summary>
    public Uri? BinanceBaseUrl { get; init; }

    /// <summary>When set, every Bybit account (production or testnet) talks to this base URL.</summary>
    public Uri? BybitBaseUrl { get; init; }

    /// <summary>Time limit of one HTTP attempt, cut to what is left of the call's <see cref="ExchangeDeadline"/>; past it the outcome is unknown. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Binance <c>recvWindow</c> / Bybit <c>X-BAPI-RECV-WINDOW</c> in milliseconds. Default 5000 (both venues' default and Binance's recommended maximum).</summary>
    public int ReceiveWindowMs { get; init; } = 5000;

    /// <summary>Attempts per call, the first included (reads, leverage, cancels, and orders through query-before-place). Default 4.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. Default 200 ms (Binance's own suggestion for 503).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The server-time offset is measured again after this long. Default 5 minutes.</summary>
    public TimeSpan ClockResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Symbol filters are fetched again after this long. Default 15 minutes.</summary>
    public TimeSpan FilterRefreshInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A call that would have to wait longer than this for a rate limit fails as retryable instead. Default 10 s, the account
    /// gateway's call time limit; a call with an <see cref="ExchangeDeadline"/> never waits past it either.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Share of each rate limit the client uses before it starts pacing. Default 0.9.</summary>
    public double RateLimitHeadroom { get; init; } = 0.9;

    /// <summary>Bybit's IP limit: requests per 5 s across every account on a host (600 documented; no header reports it). Default 600.</summary>
    public int BybitIpRequestsPer5Seconds { get; init; } = 600;

    /// <summary>The base URL of <paramref name="exchange"/>: the override if set, else production or testnet.</summary>
    public Uri BaseUrlFor(ExchangeName exchange, bool testnet) => exchange switch
    {
        ExchangeName.Binance => BinanceBaseUrl ?? (testnet ? BinanceTestnet : BinanceProduction),
        ExchangeName.Bybit => BybitBaseUrl ?? (testnet ? BybitTestnet : BybitProduction),
        _ => throw new ArgumentOutOfRangeException(nameof(exchange), exchange, "no REST base URL for this exchange"),
    };

    /// <summary>Defaults, with the base URLs taken from <see cref="BinanceUrlVariable"/> and <see cref="BybitUrlVariable"/> when set.</summary>
    public static ExchangeClientSettings FromEnvironment() => new()
    {
        BinanceBaseUrl = UrlFrom(BinanceUrlVariable),
        BybitBaseUrl = UrlFrom(BybitUrlVariable),
    };

    private static Uri? UrlFrom(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"{variable} is not an absolute URL: '{value}'");
    }
}
