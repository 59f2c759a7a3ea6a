namespace ActorTrading.Node;

/// <summary>
/// The node's settings, from hocon/reference.conf, the <c>--config</c> file, environment variables, then the command line
/// (<see cref="NodeHost"/>). Every key, its default and why: here, in hocon/reference.conf and in README.md.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Where the SQLite file, the generated admin token hash and the generated secret key live. Env <c>ACTORTRADING_DATA_DIR</c>. Default <c>./data</c>.</summary>
    public string DataDirectory { get; init; } = new Persistence.Hosting.DurableStoreOptions().DataDirectory;

    /// <summary>PostgreSQL connection string; set, it replaces the SQLite file. Env <c>ACTORTRADING_POSTGRES</c>.</summary>
    public string? Postgres { get; init; }

    /// <summary>The admin API token. Env <c>ACTORTRADING_ADMIN_TOKEN</c>. Unset: one is generated at first start,
    /// printed once, and only its hash is kept in the data directory.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Base64 of the 32-byte key that encrypts exchange API secrets at rest. Env <c>ACTORTRADING_SECRET_KEY</c>.
    /// Unset: one is generated at first start into the data directory (readable by the node's user only);
    /// set it explicitly for any deployment that matters, and keep it out of backups of the data.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Creates a demo bot with paper subscriptions at start and prints how to fire it. Flag <c>--demo</c>.</summary>
    public bool Demo { get; init; }

    /// <summary>Largest webhook body in bytes. Default 16 KiB; at most <see cref="LargestBodyBytes"/>.</summary>
    public int MaxWebhookBodyBytes { get; init; } = 16 * 1024;

    /// <summary>Largest body of any request (Kestrel's limit), so the upper bound of <see cref="MaxWebhookBodyBytes"/>.</summary>
    public const int LargestBodyBytes = 1024 * 1024;

    /// <summary>Longest <c>?wait=</c> a webhook caller may ask for. Default 10 s.</summary>
    public int MaxWebhookWaitMs { get; init; } = 10_000;

    /// <summary>How long an API call waits for an entity's answer (a bot, a subscription, an exchange account, a user) before it
    /// answers 503 with Retry-After. Default 10 s; 1 s to 5 minutes.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a bot waits for a subscription's outcome of a signal (telling it again every 10 s) before it records
    /// the subscription as unanswered and stops holding the other subscribers' memory of the signal for it (it is still
    /// told). Default 1 hour; at least 1 minute, so that a subscription restarting after a crash (at most 30 s of backoff)
    /// is never counted as silent.</summary>
    public TimeSpan SignalReceiptTimeout { get; init; } = new Trading.TradingSettings().SignalReceiptTimeout;

    /// <summary>The value of <see cref="PaperPrices"/> that keeps the paper exchange's prices at their reference values.</summary>
    public const string FixedPaperPrices = "fixed";

    /// <summary>The value of <see cref="PaperPrices"/> that moves them on a random walk.</summary>
    public const string RandomWalkPaperPrices = "random-walk";

    /// <summary>How the paper exchange's prices move: <c>random-walk</c> (default: about ±0.1 % a step, so that stop-losses and
    /// take-profits fire in time) or <c>fixed</c> (the reference prices, for ever).</summary>
    public string PaperPrices { get; init; } = RandomWalkPaperPrices;

    /// <summary>How often the paper market moves and fires the stop-losses and take-profits its prices cross. Default 1 s.</summary>
    public TimeSpan PaperPriceStep { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many wrong credentials (webhook secrets per path, unknown webhook paths, unknown API tokens) one client
    /// may present within <see cref="FailedAttemptWindow"/> before its attempts of that kind are answered 429. Default 10.</summary>
    public int FailedAttemptLimit { get; init; } = 10;

    /// <summary>The window of <see cref="FailedAttemptLimit"/>. Default 1 minute.</summary>
    public TimeSpan FailedAttemptWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Where the OpenTelemetry SDK sends the node's metrics over OTLP/HTTP (protobuf), e.g.
    /// <c>http://collector:4318/v1/metrics</c>. Unset (default): no export; <c>GET /metrics</c> serves them either way.</summary>
    public string? OtlpMetricsEndpoint { get; init; }

    /// <summary>How often metrics are exported to <see cref="OtlpMetricsEndpoint"/>. Default 15 s; 1 s to 10 minutes.</summary>
    public TimeSpan OtlpExportInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many of its latest log lines the node keeps in memory for <c>GET /api/v1/admin/logs</c> (the CLI's
    /// <c>log peek</c>). Default 1000; 10 to 100000.</summary>
    public int RecentLogLines { get; init; } = 1000;

    /// <summary>Test only: moves this node's wall clock by this much (negative: behind), as if its host's clock were wrong,
    /// for the clock-skew fault tests (changing the OS clock needs root). Monotonic deadlines do not move; a cluster member
    /// corrects its clock to the database's, which is what the tests show. Default 00:00:00; at most a day either way.</summary>
    public TimeSpan TestingClockOffset { get; init; }

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("ActorTrading:DataDirectory (ACTORTRADING_DATA_DIR) must name a directory");
        }

        if (AdminToken is { Length: < 16 })
        {
            throw new ArgumentException("ActorTrading:AdminToken (ACTORTRADING_ADMIN_TOKEN) must be at least 16 characters");
        }

        if (MaxWebhookBodyBytes is < 256 or > LargestBodyBytes)
        {
            throw new ArgumentException($"ActorTrading:MaxWebhookBodyBytes must be between 256 and {LargestBodyBytes}");
        }

        if (PaperPrices is not (FixedPaperPrices or RandomWalkPaperPrices))
        {
            throw new ArgumentException($"ActorTrading:PaperPrices must be {RandomWalkPaperPrices} or {FixedPaperPrices}, not '{PaperPrices}'");
        }

        if (PaperPriceStep < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentException("ActorTrading:PaperPriceStep must be at least 00:00:00.010 (hh:mm:ss.fff)");
        }

        if (FailedAttemptLimit is < 1 or > 10_000)
        {
            throw new ArgumentException($"ActorTrading:FailedAttemptLimit must be between 1 and 10000, not {FailedAttemptLimit}");
        }

        if (FailedAttemptWindow < TimeSpan.FromSeconds(1) || FailedAttemptWindow > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("ActorTrading:FailedAttemptWindow must be between 00:00:01 and 01:00:00 (hh:mm:ss)");
        }

        if (AskTimeout < TimeSpan.FromSeconds(1) || AskTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException("ActorTrading:AskTimeout must be between 00:00:01 and 00:05:00 (hh:mm:ss)");
        }

        if (OtlpMetricsEndpoint is not null
            && (!Uri.TryCreate(OtlpMetricsEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"ActorTrading:OtlpMetricsEndpoint must be an absolute http:// or https:// URL, not '{OtlpMetricsEndpoint}'");
        }

        if (OtlpExportInterval < TimeSpan.FromSeconds(1) || OtlpExportInterval > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException("ActorTrading:OtlpExportInterval must be between 00:00:01 and 00:10:00 (hh:mm:ss)");
        }

        if (RecentLogLines is < 10 or > 100_000)
        {
            throw new ArgumentException($"ActorTrading:RecentLogLines must be between 10 and 100000, not {RecentLogLines}");
        }

        if (TestingClockOffset.Duration() > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"ActorTrading:TestingClockOffset must be within a day either way (-1.00:00:00 to 1.00:00:00), not {TestingClockOffset}");
        }

        if (SignalReceiptTimeout < TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("ActorTrading:SignalReceiptTimeout must be at least 00:01:00 (hh:mm:ss)");
        }
    }
}
