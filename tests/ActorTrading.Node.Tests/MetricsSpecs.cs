using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using ActorTrading.Node.Metrics;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary><c>GET /metrics</c> (admin token) serves the node's meters in Prometheus' text format, the named series among them.</summary>
public sealed class MetricsSpecs : InProcessNodeSpecs
{
    [Fact]
    public async Task After_a_signal_the_metrics_name_signals_fan_outs_outcomes_orders_and_journal_writes()
    {
        await SignalToOnePaperSubscriptionAsync("metered-1");

        string metrics = "";
        await Eventually.HoldsAsync(async () =>
        {
            metrics = await Http.GetStringAsync("/metrics");
            return metrics.Contains("actortrading_fanout_duration_seconds_count");
        }, "the fan-out's duration", TimeSpan.FromSeconds(20), () => metrics);

        var lines = metrics.Split('\n');
        foreach (var series in new[]
                 {
                     "# TYPE actortrading_signals_accepted_total counter",
                     "# TYPE actortrading_fanout_duration_seconds histogram",
                     "actortrading_fanout_duration_seconds_bucket{le=\"+Inf\"} ",
                     "actortrading_outcomes_total{status=\"executed\"} ",
                     "actortrading_exchange_calls_total{venue=\"paper\",call=\"market_order\",result=\"ok\"} ",
                     "actortrading_exchange_call_duration_seconds_count{venue=\"paper\",call=\"market_order\"} ",
                     "actortrading_journal_write_duration_seconds_count ",
                     "actortrading_journal_batch_size_sum ",
                     "# TYPE actortrading_projection_lag gauge",
                 })
        {
            lines.ShouldContain(l => l.StartsWith(series, StringComparison.Ordinal), $"{series}\n{metrics}");
        }

        (await Client("wrong-token-0123456789").GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void Counters_histograms_and_gauges_are_written_in_the_text_format()
    {
        using var metrics = new PrometheusMetrics();
        using var meter = new Meter(PrometheusMetrics.MeterPrefix + "Specs." + Guid.NewGuid().ToString("N"));
        var counter = meter.CreateCounter<long>("specs.things" + Suffix(meter), "{thing}", "Things \"counted\"");
        var histogram = meter.CreateHistogram<double>("specs.wait" + Suffix(meter), "s", "Waits");
        meter.CreateObservableGauge("specs.depth" + Suffix(meter), () => new Measurement<long>(7, new KeyValuePair<string, object?>("shard", "3")), "{message}", "Depth");
        using var other = new Meter("NotOurs");
        other.CreateCounter<long>("other.things").Add(1);

        counter.Add(2, new KeyValuePair<string, object?>("kind", "a\"b"));
        counter.Add(3, new KeyValuePair<string, object?>("kind", "a\"b"));
        histogram.Record(0.003);
        histogram.Record(0.2);
        histogram.Record(100);

        var text = metrics.Scrape();
        var suffix = Suffix(meter).Replace('.', '_');
        text.ShouldContain($"# HELP specs_things{suffix}_total Things \"counted\"\n# TYPE specs_things{suffix}_total counter\nspecs_things{suffix}_total{{kind=\"a\\\"b\"}} 5\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_bucket{{le=\"0.0025\"}} 0\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_bucket{{le=\"0.005\"}} 1\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_bucket{{le=\"0.25\"}} 2\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_bucket{{le=\"60\"}} 2\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_bucket{{le=\"+Inf\"}} 3\n");
        text.ShouldContain($"specs_wait{suffix}_seconds_count 3\n");
        text.ShouldContain($"# TYPE specs_depth{suffix} gauge\nspecs_depth{suffix}{{shard=\"3\"}} 7\n");
        text.ShouldNotContain("other_things");
    }

    // Instrument names unique to one meter, so that specs running at once in this process do not add to each other.
    private static string Suffix(Meter meter) => "." + meter.Name[^8..];
}
