using System.Diagnostics;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// <c>ask-latency</c>: sequential asks to an echo actor, each timed on its own with
/// <see cref="Stopwatch.GetTimestamp"/>, reported as percentiles next to <see cref="BareRoundTrip"/>.
/// The two sides alternate in rounds so that a change of load on the machine hits both alike.
/// </summary>
public static class AskLatencyHarness
{
    public const int DefaultSamples = 200_000;
    public const int DefaultWarmup = 20_000;
    public const int Rounds = 4;

    private static readonly TimeSpan s_askTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Options: <c>--samples N</c> (per side, default 200,000), <c>--warmup N</c> (default 20,000).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var samples = HarnessArguments.Int(args, "--samples", DefaultSamples);
        var warmup = HarnessArguments.Int(args, "--warmup", DefaultWarmup);
        var message = new object();
        var system = ActorSystem.Create("ask-latency");
        try
        {
            var echo = system.ActorOf(Props.Create(() => new EchoActor()), "echo");
            var kernel = new Side("kernel Ask", () => echo.Ask<object>(message, s_askTimeout), samples);
            var baseline = new Side("baseline (bare TCS)", () => BareRoundTrip.RunAsync(message), samples);

            Console.WriteLine(
                $"ask-latency: {samples:N0} sequential round trips per side after {warmup:N0} warm-up, "
                + $"{Rounds} alternating rounds, {Environment.ProcessorCount} processors, server GC {System.Runtime.GCSettings.IsServerGC}");
            await baseline.WarmUpAsync(warmup);
            await kernel.WarmUpAsync(warmup);
            for (var round = 0; round < Rounds; round++)
            {
                var from = (int)((long)samples * round / Rounds);
                var to = (int)((long)samples * (round + 1) / Rounds);
                await baseline.RecordAsync(from, to);
                await kernel.RecordAsync(from, to);
            }

            var b = baseline.Summarize();
            var k = kernel.Summarize();
            Console.WriteLine();
            Console.WriteLine($"{"",-22}{"p50",10}{"p90",10}{"p99",10}{"p99.9",10}{"max",11}{"mean",10}{"alloc/op",10}{"gen0 GCs",10}");
            Print(baseline.Name, b);
            Print(kernel.Name, k);
            Console.WriteLine(
                $"{"ratio kernel/baseline",-22}{k.P50 / b.P50,9:F2}x{k.P90 / b.P90,9:F2}x{k.P99 / b.P99,9:F2}x{k.P999 / b.P999,9:F2}x"
                + $"{"",11}{k.Mean / b.Mean,9:F2}x");
            Console.WriteLine();
            Console.WriteLine($"aim: kernel p50 under 5 µs; measured {k.P50:F2} µs: {(k.P50 < 5 ? "met" : "NOT met")}");
            return 0;
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static void Print(string name, Stats s) =>
        Console.WriteLine(
            $"{name,-22}{s.P50,7:F2} µs{s.P90,7:F2} µs{s.P99,7:F2} µs{s.P999,7:F2} µs{s.Max,8:F1} µs{s.Mean,7:F2} µs{s.BytesPerOp,8:F0} B{s.Gen0,10}");

    private sealed record Stats(double P50, double P90, double P99, double P999, double Max, double Mean, double BytesPerOp, int Gen0);

    private sealed class Side(string name, Func<Task<object>> roundTrip, int samples)
    {
        private readonly long[] _ticks = new long[samples];
        private long _allocated;
        private int _gen0;

        public string Name => name;

        public async Task WarmUpAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await roundTrip();
            }
        }

        public async Task RecordAsync(int from, int to)
        {
            var gen0 = GC.CollectionCount(0);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = from; i < to; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await roundTrip();
                _ticks[i] = Stopwatch.GetTimestamp() - start;
            }

            _allocated += GC.GetTotalAllocatedBytes(precise: true) - allocated;
            _gen0 += GC.CollectionCount(0) - gen0;
        }

        public Stats Summarize()
        {
            var sorted = (long[])_ticks.Clone();
            Array.Sort(sorted);
            var microsPerTick = 1_000_000.0 / Stopwatch.Frequency;
            double At(double quantile) => sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)] * microsPerTick;
            return new Stats(
                At(0.50), At(0.90), At(0.99), At(0.999), sorted[^1] * microsPerTick,
                sorted.Average() * microsPerTick, (double)_allocated / sorted.Length, _gen0);
        }
    }
}
