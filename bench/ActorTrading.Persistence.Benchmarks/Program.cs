namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- journal-throughput|recovery|projection-lag --store sqlite|postgres [options]</c>;
/// <c>-- modes</c> lists the modes. PostgreSQL runs need <c>ACTORTRADING_TEST_POSTGRES</c>
/// (<c>scripts/private-postgres.sh</c> sets it).
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => HarnessProgram.RunAsync(args, HarnessModes.All,
        "usage: dotnet run -c Release --project bench/ActorTrading.Persistence.Benchmarks -- MODE --store sqlite|postgres [options]");
}
