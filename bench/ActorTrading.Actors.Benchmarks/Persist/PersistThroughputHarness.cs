using System.Diagnostics;
using System.Globalization;
using ActorTrading.Actors.Persistence;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// <c>persist-throughput</c>: events per second of N persistent actors (1, 8, 1,000 by default) writing
/// to the in-memory journal, one event per command, with <c>Persist</c> (the next command after the
/// handler) and with <c>PersistAsync</c> (the next command at once). Baseline: the same actors doing the
/// same work without persistence (<see cref="CountingActor"/>: increment, tell the next command to
/// itself). The three sides alternate in rounds, each in a fresh system, so that a change of load on the
/// machine hits all alike; the ratio is the persistence overhead.
/// </summary>
public static class PersistThroughputHarness
{
    public const int DefaultWarmupMs = 500;
    public const int DefaultMeasureMs = 1_500;
    public const int DefaultRounds = 2;

    private static readonly int[] s_defaultActorCounts = [1, 8, 1_000];
    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(60);

    private enum Side
    {
        Baseline,
        Persist,
        PersistAsync,
    }

    /// <summary>Options: <c>--actors N</c> (one count instead of 1, 8 and 1,000), <c>--measure-ms N</c> (per side
    /// and round, default 1,500), <c>--warmup-ms N</c> (default 500), <c>--rounds N</c> (default 2).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        // Figures are meant to be pasted into notes: the same digits and separators on every machine.
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        int[] counts = Array.IndexOf(args, "--actors") >= 0 ? [HarnessArguments.Int(args, "--actors", 1)] : s_defaultActorCounts;
        var measure = TimeSpan.FromMilliseconds(HarnessArguments.Int(args, "--measure-ms", DefaultMeasureMs));
        var warmup = TimeSpan.FromMilliseconds(HarnessArguments.Int(args, "--warmup-ms", DefaultWarmupMs));
        var rounds = HarnessArguments.Int(args, "--rounds", DefaultRounds);

        Console.WriteLine((
            $"persist-throughput: in-memory journal, one event per command; per actor count {rounds} rounds x {measure.TotalMilliseconds:N0} ms measured per side "
            + $"after {warmup.TotalMilliseconds:N0} ms warm-up, sides alternating, each run in a fresh system; "
            + $"{Environment.ProcessorCount} processors, server GC {System.Runtime.GCSettings.IsServerGC}"));

        // JIT and the kernel's statics, outside any figure.
        foreach (var side in Enum.GetValues<Side>())
        {
            await MeasureAsync(side, 8, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        }

        Console.WriteLine();
        Console.WriteLine($"{"actors",7}  {"side",-34}{"events/s",13}{"alloc/event",13}{"gen0",6}{"gen1",6}{"gen2",6}   vs baseline");
        var summary = new List<string>();
        foreach (var count in counts)
        {
            var totals = Enum.GetValues<Side>().ToDictionary(side => side, _ => new Measurement(0, 0, 0, 0, 0, 0));
            for (var round = 0; round < rounds; round++)
            {
                foreach (var side in Enum.GetValues<Side>())
                {
                    totals[side] = totals[side] + await MeasureAsync(side, count, warmup, measure);
                }
            }

            var baseline = totals[Side.Baseline];
            foreach (var side in Enum.GetValues<Side>())
            {
                var m = totals[side];
                var comparison = side == Side.Baseline
                    ? ""
                    : ($"{m.EventsPerSecond / baseline.EventsPerSecond:F3} of its rate ({baseline.EventsPerSecond / m.EventsPerSecond:F2}x its time per event)");
                Console.WriteLine((
                    $"{count,7:N0}  {Describe(side),-34}{m.EventsPerSecond,13:N0}{m.BytesPerEvent,11:N0} B{m.Gen0,6}{m.Gen1,6}{m.Gen2,6}   {comparison}"));
                if (side != Side.Baseline)
                {
                    summary.Add((
                        $"persist-throughput {count:N0} actor(s), {side}: {m.EventsPerSecond:N0} events/s vs baseline {baseline.EventsPerSecond:N0}/s "
                        + $"= ratio {m.EventsPerSecond / baseline.EventsPerSecond:F3} ({baseline.EventsPerSecond / m.EventsPerSecond:F2}x the baseline's time per event; "
                        + $"{m.BytesPerEvent:N0} B vs {baseline.BytesPerEvent:N0} B allocated per event)"));
                }
            }
        }

        Console.WriteLine();
        foreach (var line in summary)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static string Describe(Side side) => side switch
    {
        Side.Baseline => "baseline (ReceiveActor, no journal)",
        Side.Persist => "Persist",
        _ => "PersistAsync",
    };

    private static async Task<Measurement> MeasureAsync(Side side, int count, TimeSpan warmup, TimeSpan measure)
    {
        var system = ActorSystem.Create("persist-throughput");
        try
        {
            Persistence.Persistence.Get(system).Use(new InMemoryJournal(), new InMemorySnapshotStore());
            var loop = new PersistLoop(count);
            var started = loop.Started.Expect(count);
            var stopped = loop.Stopped.Expect(count);
            var actors = new IActorRef[count];
            for (var i = 0; i < count; i++)
            {
                var index = i;
                var id = $"persist-{index}";
                actors[i] = side switch
                {
                    Side.Baseline => system.ActorOf(Props.Create(() => new CountingActor(loop, index))),
                    Side.Persist => system.ActorOf(Props.Create(() => new PersistingActor(id, loop, index))),
                    _ => system.ActorOf(Props.Create(() => new PersistingAsyncActor(id, loop, index))),
                };
            }

            foreach (var actor in actors)
            {
                actor.Tell(PersistLoopMessages.Next.Instance, ActorRefs.NoSender);
            }

            await started.WaitAsync(s_stuckAfter);
            await Task.Delay(warmup);

            var gen0 = GC.CollectionCount(0);
            var gen1 = GC.CollectionCount(1);
            var gen2 = GC.CollectionCount(2);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var from = loop.Total();
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(measure);
            var to = loop.Total();
            var elapsed = Stopwatch.GetElapsedTime(start);
            var measured = new Measurement(
                to - from,
                elapsed.TotalSeconds,
                GC.GetTotalAllocatedBytes(precise: true) - allocated,
                GC.CollectionCount(0) - gen0,
                GC.CollectionCount(1) - gen1,
                GC.CollectionCount(2) - gen2);

            loop.Stop();
            await stopped.WaitAsync(s_stuckAfter);
            return measured;
        }
        finally
        {
            await system.Terminate().WaitAsync(s_stuckAfter);

            // The in-memory journal keeps every event; let it go before the next side runs.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }

    private readonly record struct Measurement(long Events, double Seconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
    {
        public double EventsPerSecond => Events / Seconds;

        public double BytesPerEvent => Events == 0 ? 0 : (double)AllocatedBytes / Events;

        public static Measurement operator +(Measurement left, Measurement right) => new(
            left.Events + right.Events,
            left.Seconds + right.Seconds,
            left.AllocatedBytes + right.AllocatedBytes,
            left.Gen0 + right.Gen0,
            left.Gen1 + right.Gen1,
            left.Gen2 + right.Gen2);
    }
}
