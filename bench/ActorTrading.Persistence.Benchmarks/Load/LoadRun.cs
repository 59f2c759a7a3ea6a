using System.Diagnostics;
using ActorTrading.Actors;
using Microsoft.Extensions.Logging;
using ActorPersistence = ActorTrading.Actors.Persistence.Persistence;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>How long and how wide a load runs.</summary>
public sealed record LoadOptions(int Entities, TimeSpan Warmup, TimeSpan Duration)
{
    public const int DefaultEntities = 1_000;
    public const int DefaultWarmupSeconds = 2;
    public const int DefaultDurationSeconds = 10;

    /// <summary><c>--entities N</c>, <c>--warmup-s N</c>, <c>--duration-s N</c>.</summary>
    public static LoadOptions From(string[] args) => new(
        HarnessArguments.Int(args, "--entities", DefaultEntities),
        TimeSpan.FromSeconds(HarnessArguments.Int(args, "--warmup-s", DefaultWarmupSeconds)),
        TimeSpan.FromSeconds(HarnessArguments.Int(args, "--duration-s", DefaultDurationSeconds)));
}

/// <summary>What a load measured in its window (after the warm-up).</summary>
/// <param name="Events">Events acknowledged to their entities in the window.</param>
/// <param name="Elapsed">The window.</param>
/// <param name="Batches">Journal transactions committed in the window (the journal's <c>EventsWritten</c> signals).</param>
/// <param name="Latency">Command → handler of each event acknowledged in the window, ms.</param>
/// <param name="TotalEvents">Events acknowledged during the whole run, warm-up and drain included.</param>
/// <param name="Failures">Entities that stopped on a failed or rejected write or a failed recovery.</param>
public sealed record LoadResult(long Events, TimeSpan Elapsed, long Batches, Percentiles Latency, long TotalEvents, int Failures)
{
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    public double EventsPerBatch => Batches == 0 ? 0 : (double)Events / Batches;
}

/// <summary>
/// Runs <see cref="LoadEntity"/>s against a store: starts them, waits until all have recovered and
/// begun, lets them write for the warm-up, measures for the duration (calling a sampler every
/// 100 ms if given), then stops them and waits until no write is in flight.
/// </summary>
public static class LoadRun
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(120);

    public static async Task<LoadResult> RunAsync(BenchStore store, LoadOptions options, Action<LoadControl>? sample = null)
    {
        var system = ActorSystem.Create("load");
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new StderrLog()), "stderr-log"), typeof(LogEvent));
        ActorPersistence.Get(system).Use(store.Stores.Journal, store.Stores.SnapshotStore);
        var control = new LoadControl(options.Entities);
        long batches = 0;
        void CountBatch() => Interlocked.Increment(ref batches);
        store.Stores.ProjectionStore.EventsWritten += CountBatch;
        try
        {
            for (var i = 0; i < options.Entities; i++)
            {
                var index = i;
                system.ActorOf(Props.Create(() => new LoadEntity(LoadEntity.PersistenceIdFor(index), index, control)), $"entity-{index}");
            }

            await control.Started.Task.WaitAsync(s_stuckAfter);
            await Task.Delay(options.Warmup);

            var fromEvents = control.TotalPersisted();
            var fromBatches = Volatile.Read(ref batches);
            var start = Stopwatch.GetTimestamp();
            control.Measuring = true;
            if (sample is null)
            {
                await Task.Delay(options.Duration);
            }
            else
            {
                using var timer = new PeriodicTimer(SampleInterval);
                while (Stopwatch.GetElapsedTime(start) < options.Duration && await timer.WaitForNextTickAsync())
                {
                    sample(control);
                }
            }

            control.Measuring = false;
            var events = control.TotalPersisted() - fromEvents;
            var windowBatches = Volatile.Read(ref batches) - fromBatches;
            var elapsed = Stopwatch.GetElapsedTime(start);

            control.Stop();
            await control.Drained.Task.WaitAsync(s_stuckAfter);
            return new LoadResult(events, elapsed, windowBatches, control.Latencies(), control.TotalPersisted(), control.Failures);
        }
        finally
        {
            store.Stores.ProjectionStore.EventsWritten -= CountBatch;
            await system.Terminate().WaitAsync(s_stuckAfter);
        }
    }

    /// <summary>Warnings and errors of the kernel and the entities (a failed write, say) on stderr; the first 20.</summary>
    private sealed class StderrLog : ReceiveActor
    {
        private int _printed;

        public StderrLog() => Receive<LogEvent>(e =>
        {
            if (e.Level >= LogLevel.Warning && _printed++ < 20)
            {
                Console.Error.WriteLine($"log: {e.Level} {e.Category}: {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}");
            }
        });
    }
}
