using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ActorTrading.Node.Metrics;

/// <summary>
/// The node's meters (every <c>ActorTrading.*</c> meter) in Prometheus' text format, for <c>GET /metrics</c>: counters as
/// <c>_total</c>, histograms as cumulative buckets with <c>_sum</c> and <c>_count</c>, gauges as observed at the scrape.
/// Aggregated in the process from a <see cref="MeterListener"/> (no exporter package for Prometheus is available here);
/// the OpenTelemetry SDK's OTLP exporter reads the same meters when an endpoint is configured.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    /// <summary>The prefix of the meters listened to.</summary>
    public const string MeterPrefix = "ActorTrading.";

    // Seconds from 1 ms to 1 minute; counts (batch sizes) from 1 to 10,000.
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] CountBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _instruments = new();

    /// <summary>Starts listening to every <c>ActorTrading.*</c> meter, those made later included.</summary>
    public PrometheusMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal))
            {
                _instruments[instrument] = new InstrumentSeries(instrument, instrument.Unit == "s" ? SecondsBuckets : CountBuckets);
                listener.EnableMeasurementEvents(instrument, _instruments[instrument]);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>The exposition: every series of every instrument that has recorded something.</summary>
    public string Scrape()
    {
        // A gauge is what its callback reports now: a series it no longer reports (a shard no longer among the busiest) goes.
        foreach (var series in _instruments.Values)
        {
            series.BeginObservation();
        }

        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var series in _instruments.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            series.WriteTo(text);
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();

    /// <summary>Up to three tags, compared without allocating (each of our instruments has at most three).</summary>
    private readonly record struct TagSet(string? Key0, object? Value0, string? Key1, object? Value1, string? Key2, object? Value2)
    {
        public static TagSet Of(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length switch
        {
            0 => default,
            1 => new(tags[0].Key, tags[0].Value, null, null, null, null),
            2 => new(tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, null, null),
            _ => new(tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, tags[2].Key, tags[2].Value),
        };

        public IEnumerable<(string Key, string Value)> Labels()
        {
            foreach (var (key, value) in new[] { (Key0, Value0), (Key1, Value1), (Key2, Value2) })
            {
                if (key is not null)
                {
                    yield return (key, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                }
            }
        }
    }

    private sealed class InstrumentSeries(Instrument instrument, double[] buckets)
    {
        private readonly ConcurrentDictionary<TagSet, Values> _series = new();
        private readonly bool _histogram = instrument is Histogram<double> or Histogram<long> or Histogram<int>;
        private readonly bool _gauge = instrument is ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double>
            or Gauge<int> or Gauge<long> or Gauge<double>;

        public string Name { get; } = PrometheusName(instrument);

        public void BeginObservation()
        {
            if (_gauge)
            {
                _series.Clear();
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = _series.GetOrAdd(TagSet.Of(tags), static (_, length) => new Values(length), buckets.Length);
            lock (values)
            {
                if (_gauge)
                {
                    values.Sum = value;
                    return;
                }

                values.Sum += value;
                values.Count++;
                if (_histogram)
                {
                    var bucket = Array.BinarySearch(buckets, value);
                    values.Buckets[bucket >= 0 ? bucket : ~bucket]++;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            if (_series.IsEmpty)
            {
                return;
            }

            var type = _histogram ? "histogram" : _gauge ? "gauge" : "counter";
            var name = type == "counter" ? Name + "_total" : Name;
            text.Append("# HELP ").Append(name).Append(' ').Append(Escape(instrument.Description ?? "", help: true)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (tags, values) in _series.OrderBy(s => Labels(s.Key.Labels(), null), StringComparer.Ordinal))
            {
                lock (values)
                {
                    if (!_histogram)
                    {
                        Line(text, name, Labels(tags.Labels(), null), values.Sum);
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < buckets.Length; i++)
                    {
                        cumulative += values.Buckets[i];
                        Line(text, Name + "_bucket", Labels(tags.Labels(), buckets[i].ToString(CultureInfo.InvariantCulture)), cumulative);
                    }

                    Line(text, Name + "_bucket", Labels(tags.Labels(), "+Inf"), values.Count);
                    Line(text, Name + "_sum", Labels(tags.Labels(), null), values.Sum);
                    Line(text, Name + "_count", Labels(tags.Labels(), null), values.Count);
                }
            }
        }

        private static void Line(StringBuilder text, string name, string labels, double value) =>
            text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

        private static string Labels(IEnumerable<(string Key, string Value)> labels, string? le)
        {
            var all = labels.Select(l => $"{l.Key}=\"{Escape(l.Value, help: false)}\"").ToList();
            if (le is not null)
            {
                all.Add($"le=\"{le}\"");
            }

            return all.Count == 0 ? "" : "{" + string.Join(",", all) + "}";
        }

        private static string Escape(string value, bool help) =>
            help ? value.Replace("\\", @"\\").Replace("\n", @"\n") : value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

        // actortrading.exchange.call.duration (s) → actortrading_exchange_call_duration_seconds
        private static string PrometheusName(Instrument instrument)
        {
            var name = new string([.. instrument.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
            return instrument.Unit == "s" ? name + "_seconds" : name;
        }
    }

    private sealed class Values(int buckets)
    {
        public double Sum;
        public long Count;
        public readonly long[] Buckets = new long[buckets + 1];
    }
}
