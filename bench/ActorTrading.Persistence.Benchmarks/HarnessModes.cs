namespace ActorTrading.Persistence.Benchmarks;

/// <summary>The modes. To add one, add a line here and describe it in README.md.</summary>
public static class HarnessModes
{
    public static IReadOnlyList<HarnessMode> All { get; } =
    [
        new("journal-throughput", "1,000 entities persisting for 10 s: events/s, p50/p99 latency vs raw COPY/insert --store sqlite|postgres [--entities N] [--warmup-s N] [--duration-s N]", JournalThroughputHarness.RunAsync),
        new("recovery", "recover one entity of 10,000 events, without and with a snapshot, vs a raw SELECT + deserialize --store sqlite|postgres [--events N] [--snapshot-at N] [--runs N]", RecoveryHarness.RunAsync),
        new("projection-lag", "operation-log projection lag under the journal-throughput load, catch-up, vs a raw read+write --store sqlite|postgres [--entities N] [--warmup-s N] [--duration-s N] [--catch-up-s N]", ProjectionLagHarness.RunAsync),
    ];
}
