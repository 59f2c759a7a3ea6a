namespace ActorTrading.Persistence.Benchmarks;

/// <summary>What a raw baseline did: rows written in batches, one transaction per batch.</summary>
/// <param name="Rows">Rows written.</param>
/// <param name="Elapsed">Wall time of all of them.</param>
/// <param name="BatchSize">Rows per transaction.</param>
/// <param name="Writers">Connections writing at once.</param>
/// <param name="BatchTimes">Time of each transaction (begin to commit), ms.</param>
public sealed record RawResult(long Rows, TimeSpan Elapsed, int BatchSize, int Writers, Percentiles BatchTimes)
{
    public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
}
