using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorTrading.Persistence.Projections;

namespace ActorTrading.Persistence;

/// <summary>The durable stores' meter: journal batches (how long, how many events) and how far projections are behind.</summary>
public static class PersistenceMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorTrading.Persistence";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<ProjectionRunner, byte> Runners = new();

    private static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram<double>(
        "actortrading.journal.write.duration", "s", "Time to write one group-commit batch to the journal, commit included");

    private static readonly Histogram<long> JournalBatchEvents = Meter.CreateHistogram<long>(
        "actortrading.journal.batch.size", "{event}", "Events in one group-commit batch");

    static PersistenceMetrics() =>
        Meter.CreateObservableGauge("actortrading.projection.lag", ObserveLag, "{event}", "Journal events a projection has still to apply");

    /// <summary>Records one journal batch.</summary>
    public static void JournalBatchWritten(long startedTimestamp, int events)
    {
        JournalWriteDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        JournalBatchEvents.Record(events);
    }

    internal static void Started(ProjectionRunner runner) => Runners.TryAdd(runner, 0);

    internal static void Stopped(ProjectionRunner runner) => Runners.TryRemove(runner, out _);

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var runner in Runners.Keys)
        {
            var status = runner.Status;
            yield return new Measurement<long>(Math.Max(0, status.Head.Ordering - status.Offset.Ordering), new KeyValuePair<string, object?>("projection", status.Name));
        }
    }
}
