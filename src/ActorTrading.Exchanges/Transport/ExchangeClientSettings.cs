namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// Node settings of the exchange clients. Users choose only the exchange and testnet; the base URLs are
/// the node's (production and testnet defaults, overridden for the simulator). Each setting's one default is its
/// initializer here; a node binds them from configuration and checks them with <see cref="Validate"/>.
/// </summary>
public sealed record ExchangeClientSettings
{
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

    /// <summary>
    /// Throws naming the first invalid setting as <paramref name="section"/>:Key (its configuration key, e.g.
    /// <c>ActorTrading:Exchanges:RequestTimeout</c>): a base URL that is not an absolute http(s) URL, a time or count that
    /// cannot work, a headroom outside (0, 1].
    /// </summary>
    public void Validate(string section)
    {
        CheckUrl(section, nameof(BinanceBaseUrl), BinanceBaseUrl);
        CheckUrl(section, nameof(BybitBaseUrl), BybitBaseUrl);
        CheckPositive(section, nameof(RequestTimeout), RequestTimeout);
        CheckPositive(section, nameof(ClockResyncInterval), ClockResyncInterval);
        CheckPositive(section, nameof(FilterRefreshInterval), FilterRefreshInterval);
        CheckNotNegative(section, nameof(RetryBaseDelay), RetryBaseDelay);
        CheckNotNegative(section, nameof(MaxRateLimitWait), MaxRateLimitWait);

        // Binance refuses a recvWindow above 60000 ms.
        if (ReceiveWindowMs is < 1 or > 60_000)
        {
            throw new ArgumentException($"{section}:{nameof(ReceiveWindowMs)} must be between 1 and 60000, not {ReceiveWindowMs}");
        }

        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"{section}:{nameof(MaxAttempts)} must be at least 1 (the first attempt counts), not {MaxAttempts}");
        }

        // Written so that NaN fails too.
        if (!(RateLimitHeadroom > 0 && RateLimitHeadroom <= 1))
        {
            throw new ArgumentException($"{section}:{nameof(RateLimitHeadroom)} must be in (0, 1], not {RateLimitHeadroom.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (BybitIpRequestsPer5Seconds < 1)
        {
            throw new ArgumentException($"{section}:{nameof(BybitIpRequestsPer5Seconds)} must be at least 1, not {BybitIpRequestsPer5Seconds}");
        }
    }

    private static void CheckUrl(string section, string key, Uri? url)
    {
        // A configured "localhost:5099" parses as an absolute URL of scheme "localhost": the scheme is checked too.
        if (url is not null && !(url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"{section}:{key} must be an absolute http:// or https:// URL, not '{url.OriginalString}'");
        }
    }

    private static void CheckPositive(string section, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{section}:{key} must be positive, not {value:c}");
        }
    }

    private static void CheckNotNegative(string section, string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentException($"{section}:{key} must be zero or more, not {value:c}");
        }
    }
}
