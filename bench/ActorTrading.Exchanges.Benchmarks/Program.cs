using BenchmarkDotNet.Running;

namespace ActorTrading.Exchanges.Benchmarks;

/// <summary><c>dotnet run -c Release --project bench/ActorTrading.Exchanges.Benchmarks -- --filter '*' --job short</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
