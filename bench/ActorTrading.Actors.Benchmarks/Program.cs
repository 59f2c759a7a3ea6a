using BenchmarkDotNet.Running;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- ask-latency|idle-memory|persist-throughput [options]</c> runs a harness mode;
/// <c>-- modes</c> lists them; anything else goes to BenchmarkDotNet
/// (<c>-- --filter '*Tell*' --job short</c>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "modes")
        {
            foreach (var harness in HarnessModes.All)
            {
                Console.WriteLine($"{harness.Name,-20}{harness.Description}");
            }

            Console.WriteLine($"{"(other)",-20}BenchmarkDotNet arguments, e.g. --filter '*Tell*' --job short; --list flat");
            return 0;
        }

        if (args.Length > 0 && HarnessModes.Find(args[0]) is { } mode)
        {
            return await mode.Run(args[1..]);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
        SummaryLines.Print(summaries);
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
