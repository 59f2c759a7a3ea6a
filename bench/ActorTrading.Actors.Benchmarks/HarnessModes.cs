namespace ActorTrading.Actors.Benchmarks;

/// <summary>A measurement that BenchmarkDotNet does not fit (percentiles, retained memory), run in-process.</summary>
/// <param name="Name">The first program argument that selects it.</param>
/// <param name="Description">One line for the usage text.</param>
/// <param name="Run">Gets the remaining arguments; returns the exit code.</param>
public sealed record HarnessMode(string Name, string Description, Func<string[], Task<int>> Run);

/// <summary>The harness modes. To add one, add a line here and describe it in README.md.</summary>
public static class HarnessModes
{
    public static IReadOnlyList<HarnessMode> All { get; } =
    [
        new("ask-latency", "p50/p90/p99 of sequential asks vs a bare TaskCompletionSource round trip [--samples N] [--warmup N]", AskLatencyHarness.RunAsync),
        new("idle-memory", "retained bytes per idle actor vs per bare mailbox [--actors N]", IdleMemoryHarness.RunAsync),
        new("persist-throughput", "events/s of Persist and PersistAsync to the in-memory journal vs the same actors without persistence [--actors N] [--measure-ms N] [--warmup-ms N] [--rounds N]", PersistThroughputHarness.RunAsync),
    ];

    public static HarnessMode? Find(string name) =>
        All.FirstOrDefault(mode => string.Equals(mode.Name, name, StringComparison.OrdinalIgnoreCase));
}
