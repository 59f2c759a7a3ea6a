namespace ActorTrading.Node.Benchmarks;

/// <summary>The modes. To add one, add a line here and describe it in README.md.</summary>
public static class HarnessModes
{
    public static IReadOnlyList<HarnessMode> All { get; } =
    [
        new("fan-out", "one webhook signal to 10,000 paper subscriptions: POST -> last outcome in bot_signal_executions, vs 10,000 bare paper orders in parallel [--store sqlite|postgres] [--subscriptions N] [--warmup-rounds N] [--rounds N]", FanOutHarness.RunAsync),
        new("ack-latency", "p50/p90/p99/max of the webhook's 202 at 100 signals/s (10 bots x 10 subscriptions), vs the same POST rate to a bare Kestrel endpoint [--store sqlite|postgres] [--rate N] [--duration-s N] [--bots N] [--subscriptions-per-bot N]", AckLatencyHarness.RunAsync),
        new("capacity", "one webhook signal to 10,000 Binance subscriptions (each its own key) through the real client against the in-process simulator, limits raised: POST -> last outcome, vs a bare blast of 10,000 signed market orders through the same client; counts protective orders missing or left open unreported [--store sqlite|postgres] [--subscriptions N]", CapacityHarness.RunAsync),
        new("failover", "3 nodes --cluster on PostgreSQL as processes: kill -9 of the bot's node -> the bot answers again through a survivor, median and worst of N rounds, vs SIGTERM (a graceful hand-off) of it in the same run [--rounds N]", FailoverHarness.RunAsync),
        new("cluster-fan-out", "one webhook signal to 10,000 Binance subscriptions (simulator) on 3 node processes --cluster on PostgreSQL: POST -> last outcome, vs the same on 1 node process --cluster, signals interleaved in the same run [--subscriptions N] [--warmup-rounds N] [--rounds N]", ClusterFanOutHarness.RunAsync),
        new("cluster-idle-memory", "100,000 idle Binance subscriptions (10 bots) over 3 node processes --cluster on PostgreSQL, created through the API: VmRSS growth per subscription, vs the nodes' VmRSS before creating them [--subscriptions N] [--bots N] [--minutes N]", ClusterIdleMemoryHarness.RunAsync),
        new("idle-memory", "retained bytes per idle subscription entity after one signal, vs bare ReceiveActors that received one message [--store sqlite|postgres] [--subscriptions N]", IdleMemoryHarness.RunAsync),
    ];
}
