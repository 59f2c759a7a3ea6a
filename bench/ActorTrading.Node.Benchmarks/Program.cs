namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- fan-out|ack-latency|idle-memory [--store sqlite|postgres] [options]</c>;
/// <c>-- modes</c> lists the modes. PostgreSQL runs need <c>ACTORTRADING_TEST_POSTGRES</c>
/// (<c>scripts/private-postgres.sh</c> sets it).
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => HarnessProgram.RunAsync(args, HarnessModes.All,
        "usage: dotnet run -c Release --project bench/ActorTrading.Node.Benchmarks -- MODE [--store sqlite|postgres] [options]");
}
