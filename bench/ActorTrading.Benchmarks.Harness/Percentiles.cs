using System.Diagnostics;

namespace ActorTrading.Benchmarks.Harness;

/// <summary>Nearest-rank percentiles of a set of samples.</summary>
public sealed class Percentiles
{
    private readonly double[] _sorted;

    private Percentiles(double[] sorted) => _sorted = sorted;

    public int Count => _sorted.Length;

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();

    public static Percentiles Of(IEnumerable<double> samples)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return new Percentiles(sorted);
    }

    /// <summary>Stopwatch ticks as milliseconds.</summary>
    public static Percentiles OfTicksAsMilliseconds(IEnumerable<long> ticks) =>
        Of(ticks.Select(t => t * 1000.0 / Stopwatch.Frequency));

    public double At(double quantile) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(quantile * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    /// <summary>"p50 1.23 ms, p99 4.56 ms, max 7.89 ms" with the given unit and format.</summary>
    public string Describe(string unit, string format = "F2") =>
        Count == 0
            ? "no samples"
            : $"p50 {At(0.50).ToString(format)} {unit}, p90 {At(0.90).ToString(format)} {unit}, p99 {At(0.99).ToString(format)} {unit}, max {Max.ToString(format)} {unit} ({Count:N0} samples)";
}
