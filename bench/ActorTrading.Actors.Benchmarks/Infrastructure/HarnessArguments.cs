using System.Globalization;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>The few options of the harness modes: <c>--name value</c> pairs.</summary>
public static class HarnessArguments
{
    public static int Int(string[] args, string name, int defaultValue)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return defaultValue;
        }

        if (index + 1 >= args.Length
            || !int.TryParse(args[index + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            || value < 1)
        {
            throw new ArgumentException($"{name} takes a positive integer");
        }

        return value;
    }
}
