using System.Globalization;

namespace ActorTrading.Actors;

/// <summary>
/// Where an actor system is reachable, as Akka prints it: <c>akka.tcp://system@host:port</c>, or <c>akka://system</c>
/// for a system only reachable in its own process (no host: local scope). Equal addresses name the same system.
/// </summary>
public sealed record Address
{
    /// <summary>The protocol of local addresses.</summary>
    public const string LocalProtocol = "akka";

    /// <summary>The protocol of addresses other nodes can reach.</summary>
    public const string TcpProtocol = "akka.tcp";

    /// <summary>Creates an address; throws <see cref="ArgumentException"/> naming the part that cannot be one.</summary>
    public Address(string Protocol, string System, string? Host = null, int? Port = null)
    {
        if (ProtocolProblem(Protocol) is { } protocolProblem)
        {
            throw new ArgumentException(protocolProblem, nameof(Protocol));
        }

        if (SystemProblem(System) is { } systemProblem)
        {
            throw new ArgumentException(systemProblem, nameof(System));
        }

        if (Host is not null && HostProblem(Host) is { } hostProblem)
        {
            throw new ArgumentException(hostProblem, nameof(Host));
        }

        if (Port is not null && (Host is null || Port is < 1 or > 65535))
        {
            throw new ArgumentException(Host is null ? "a port needs a host" : $"port {Port} must be 1 to 65535", nameof(Port));
        }

        this.Protocol = Protocol;
        this.System = System;
        this.Host = Host;
        this.Port = Port;
    }

    /// <summary>The transport: <c>akka</c> (local) or <c>akka.tcp</c>.</summary>
    public string Protocol { get; }

    /// <summary>The actor system's name.</summary>
    public string System { get; }

    /// <summary>The host other nodes reach the system on; null for a local address.</summary>
    public string? Host { get; }

    /// <summary>The port other nodes reach the system on.</summary>
    public int? Port { get; }

    /// <summary>True when the address has a host, so it means the same thing on every node.</summary>
    public bool HasGlobalScope => Host is not null;

    /// <summary>True when the address means "this process" (no host).</summary>
    public bool HasLocalScope => Host is null;

    /// <summary>The local address of <paramref name="system"/>: <c>akka://system</c>.</summary>
    public static Address Local(string system) => new(LocalProtocol, system);

    /// <summary>Parses <c>akka.tcp://system@host:port</c> or <c>akka://system</c>; throws <see cref="FormatException"/>
    /// naming the part that is wrong.</summary>
    public static Address Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (parsed, rest, problem) = ParsePrefix(address);
        if (problem is not null)
        {
            throw new FormatException($"address '{address}': {problem}");
        }

        return rest.Length == 0 || rest == "/"
            ? parsed ?? throw new FormatException($"address '{address}' could not be read")
            : throw new FormatException($"address '{address}': has a path '{rest}' (parse it with ActorPath.Parse)");
    }

    /// <summary>Parses an address; false (with <paramref name="address"/> null) when it is not one.</summary>
    public static bool TryParse(string text, out Address? address)
    {
        var (parsed, rest, problem) = ParsePrefix(text);
        address = problem is null && (rest.Length == 0 || rest == "/") ? parsed : null;
        return address is not null;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Host is null ? $"{Protocol}://{System}"
        : Port is null ? $"{Protocol}://{System}@{Host}"
        : string.Create(CultureInfo.InvariantCulture, $"{Protocol}://{System}@{Host}:{Port}");

    /// <summary>Reads the address at the start of <paramref name="text"/>; the rest is what follows its authority
    /// (a path, or empty).</summary>
    internal static (Address? Address, string Remainder, string? Problem) ParsePrefix(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return (null, "", "has no protocol (expected protocol://system, e.g. akka.tcp://actortrading@127.0.0.1:5001)");
        }

        var protocol = text[..schemeEnd];
        if (ProtocolProblem(protocol) is { } protocolProblem)
        {
            return (null, "", protocolProblem);
        }

        var afterScheme = text[(schemeEnd + 3)..];
        var slash = afterScheme.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? afterScheme : afterScheme[..slash];
        var rest = slash < 0 ? "" : afterScheme[slash..];
        var at = authority.IndexOf('@', StringComparison.Ordinal);
        var system = at < 0 ? authority : authority[..at];
        if (SystemProblem(system) is { } systemProblem)
        {
            return (null, "", systemProblem);
        }

        if (at < 0)
        {
            return (new Address(protocol, system), rest, null);
        }

        var hostAndPort = authority[(at + 1)..];
        var portColon = hostAndPort.StartsWith('[')
            ? hostAndPort.IndexOf("]:", StringComparison.Ordinal) is var close and >= 0 ? close + 1 : -1
            : hostAndPort.LastIndexOf(':');
        var host = portColon < 0 ? hostAndPort : hostAndPort[..portColon];
        if (HostProblem(host) is { } hostProblem)
        {
            return (null, "", hostProblem);
        }

        if (portColon < 0)
        {
            return (new Address(protocol, system, host), rest, null);
        }

        var portText = hostAndPort[(portColon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return (null, "", $"port '{portText}' must be a number from 1 to 65535");
        }

        return (new Address(protocol, system, host, port), rest, null);
    }

    private static string? ProtocolProblem(string protocol) =>
        protocol.Length == 0 ? "protocol is empty (expected akka or akka.tcp)"
        : !char.IsAsciiLetter(protocol[0]) || !protocol.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-')
            ? $"protocol '{protocol}' must be a letter followed by letters, digits, '.', '+' or '-'"
        : null;

    private static string? SystemProblem(string system) =>
        system.Length == 0 ? "system name is empty"
        : !char.IsAsciiLetterOrDigit(system[0]) || !system.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"system name '{system}' must start with a letter or digit and contain only letters, digits, '-' and '_'"
        : null;

    private static string? HostProblem(string host) =>
        host.Length == 0 ? "host is empty (after '@' comes host:port)"
        : host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@' or '#' or '?')
            ? $"host '{host}' contains a character a host cannot have"
        : null;
}
