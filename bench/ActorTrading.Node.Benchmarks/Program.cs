using System.Globalization;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- fan-out|ack-latency|idle-memory [--store sqlite|postgres] [options]</c>;
/// <c>-- modes</c> lists the modes. PostgreSQL runs need <c>ACTORTRADING_TEST_POSTGRES</c>
/// (<c>scripts/private-postgres.sh</c> sets it).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Figures are meant to be pasted into notes: the same digits and separators on every machine.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || HarnessModes.Find(args[0]) is not { } mode)
        {
            Console.WriteLine("usage: dotnet run -c Release --project bench/ActorTrading.Node.Benchmarks -- MODE [--store sqlite|postgres] [options]");
            foreach (var harness in HarnessModes.All)
            {
                Console.WriteLine($"  {harness.Name,-14}{harness.Description}");
            }

            return args.Length == 0 || args[0] == "modes" ? 0 : 2;
        }

        try
        {
            return await mode.Run(args[1..]);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync($"{mode.Name}: {exception.Message}");
            return 2;
        }
    }
}
