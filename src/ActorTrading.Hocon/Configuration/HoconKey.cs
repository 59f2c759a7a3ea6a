namespace ActorTrading.Hocon.Configuration;

/// <summary>How a HOCON value is written into configuration, so that the binder of its option reads it.</summary>
public enum HoconValueKind
{
    /// <summary>As written (a string, a number, <c>true</c>).</summary>
    Text,

    /// <summary>A duration (<c>10s</c>, <c>500 ms</c>, a bare number of milliseconds) written as a <see cref="TimeSpan"/>
    /// (<c>00:00:10</c>), or a <see cref="TimeSpan"/> as written (<c>00:00:10</c>).</summary>
    Duration,

    /// <summary>A duration written as whole milliseconds (for an option named <c>…Ms</c>).</summary>
    Milliseconds,

    /// <summary>A size (<c>16k</c>, <c>1 MiB</c>, a bare number of bytes) written as whole bytes.</summary>
    Bytes,
}

/// <summary>The configuration key a HOCON path maps onto, and how its value is converted.</summary>
/// <param name="ConfigurationKey">The key, sections separated by <c>:</c> (<c>ActorTrading:AskTimeout</c>).</param>
/// <param name="Kind">How the value is converted.</param>
public sealed record HoconKey(string ConfigurationKey, HoconValueKind Kind = HoconValueKind.Text);
