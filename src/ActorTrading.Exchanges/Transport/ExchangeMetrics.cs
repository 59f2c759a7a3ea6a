using System.Diagnostics.Metrics;

namespace ActorTrading.Exchanges.Transport;

/// <summary>The exchange clients' meter: waits for a venue's rate limit, by venue and limit.</summary>
public static class ExchangeMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorTrading.Exchanges";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> RateLimitWaits = Meter.CreateHistogram<double>(
        "actortrading.exchange.rate_limit.wait", "s", "Waits of a request for its venue's rate limit (the count is how many waited)");

    private static readonly string[] Venues = [.. Enum.GetValues<ExchangeName>().Select(v => v.ToString().ToLowerInvariant())];

    internal static void RateLimitWaited(ExchangeName venue, string limit, TimeSpan waited) =>
        RateLimitWaits.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("venue", Venues[(int)venue]), new KeyValuePair<string, object?>("limit", limit));
}
