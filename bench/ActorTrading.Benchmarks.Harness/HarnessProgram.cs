using System.Globalization;

namespace ActorTrading.Benchmarks.Harness;

/// <summary>A mode of a harness.</summary>
/// <param name="Name">The first program argument that selects it.</param>
/// <param name="Description">One line for the usage text.</param>
/// <param name="Run">Gets the remaining arguments; returns the exit code.</param>
public sealed record HarnessMode(string Name, string Description, Func<string[], Task<int>> Run);

/// <summary>The <c>Main</c> of a harness: picks the mode named by the first argument, or prints the usage.</summary>
public static class HarnessProgram
{
    public static HarnessMode? Find(IReadOnlyList<HarnessMode> modes, string name) =>
        modes.FirstOrDefault(mode => string.Equals(mode.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs the mode; 0 for <c>modes</c> (the usage), 2 for an unknown mode or a bad option.</summary>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<HarnessMode> modes, string usage)
    {
        // Figures are meant to be pasted into notes: the same digits and separators on every machine.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || Find(modes, args[0]) is not { } mode)
        {
            Console.WriteLine(usage);
            var width = modes.Max(m => m.Name.Length) + 2;
            foreach (var harness in modes)
            {
                Console.WriteLine($"  {harness.Name.PadRight(width)}{harness.Description}");
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
