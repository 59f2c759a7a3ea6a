using System.Globalization;
using BenchmarkDotNet.Reports;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// After BenchmarkDotNet's tables: one line per benchmark case with its aggregate operations per
/// second, its baseline's, and the time ratio against the baseline of the same parameters.
/// </summary>
public static class SummaryLines
{
    public static void Print(IEnumerable<Summary> summaries)
    {
        foreach (var summary in summaries)
        {
            var cases = summary.BenchmarksCases;
            if (cases.Length == 0)
            {
                continue;
            }

            Console.WriteLine();
            Console.WriteLine($"// {cases[0].Descriptor.Type.Name}: aggregate operations per second (one operation = one message, round trip or actor)");
            foreach (var benchmarkCase in cases)
            {
                var parameters = benchmarkCase.HasParameters ? " " + benchmarkCase.Parameters.DisplayInfo : "";
                var name = $"{benchmarkCase.Descriptor.WorkloadMethod.Name}{parameters}";
                var opsPerSecond = OperationsPerSecondColumn.Of(summary, benchmarkCase);
                if (opsPerSecond is null)
                {
                    Console.WriteLine($"{name}: no result");
                    continue;
                }

                var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
                var baselineOps = baseline is null ? null : OperationsPerSecondColumn.Of(summary, baseline);
                var comparison = ReferenceEquals(baseline, benchmarkCase) ? " (baseline)"
                    : baselineOps is null ? " (no baseline result to compare with)"
                    : string.Create(CultureInfo.InvariantCulture, $" vs baseline {baselineOps:N0}/s: {baselineOps / opsPerSecond:F2}x the baseline's time");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {opsPerSecond:N0}/s{comparison}"));
            }
        }
    }
}
