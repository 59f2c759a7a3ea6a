using System.Globalization;

namespace ActorTrading.Benchmarks.Harness;

/// <summary>The options of the modes: <c>--name value</c> pairs.</summary>
public static class HarnessArguments
{
    public static int Int(string[] args, string name, int defaultValue)
    {
        var text = Value(args, name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ArgumentException($"{name} takes a positive integer");
        }

        return value;
    }

    /// <summary>The value after <paramref name="name"/>, or null when the option is absent.</summary>
    public static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return null;
        }

        return index + 1 < args.Length ? args[index + 1] : throw new ArgumentException($"{name} needs a value");
    }
}
