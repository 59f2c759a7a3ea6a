using System.Net.Sockets;
using ActorTrading.Actors;
using ActorTrading.Actors.Serialization;

namespace ActorTrading.Remote;

/// <summary>Settings of remoting. Every key, its default and why (remoting's reference.conf). The system's own
/// <see cref="ActorSystemSettings.Address"/> (<c>akka.tcp://system@host:port</c>) is where it listens and what peers dial.</summary>
public sealed record RemoteSettings
{
    /// <summary>Shortest accepted cluster secret, in characters: a guessable secret authenticates nobody.</summary>
    public const int MinimumSecretLength = 16;

    /// <summary>The cluster secret every node shares; the handshake proves both sides know it without sending it.
    /// Required, at least <see cref="MinimumSecretLength"/> characters.</summary>
    public string Secret { get; init; } = "";

    /// <summary>Makes the message serializer from the remote provider (so refs inside messages resolve to remote refs).
    /// Required: the application knows its messages (for example <c>MessageSerializer.Create()...Build</c>).</summary>
    public Func<IActorRefProvider, IMessageSerializer>? Serializer { get; init; }

    /// <summary>Messages queued per destination node while it is slow or unreachable; past this bound a message is a
    /// dead letter at once, so a sender never blocks. Default 100,000 (about 10 s of a busy node's traffic).</summary>
    public int OutboundQueueLimit { get; init; } = 100_000;

    /// <summary>Bytes of frames written before one flush (one socket write, roughly). Bigger batches mean fewer
    /// writes; smaller, less latency behind a big batch. Default 256 KiB.</summary>
    public int MaxBatchBytes { get; init; } = 256 * 1024;

    /// <summary>Largest frame sent or accepted; a bigger message is a dead letter, a bigger inbound frame closes the
    /// connection (a peer that sends one is broken or hostile). Default 4 MiB.</summary>
    public int MaxFrameBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>First wait before dialling a peer again after a failure; doubled on each further failure. Default 100 ms.</summary>
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between dials of an unreachable peer. Default 2 s (membership declares a node down after ~3 s).</summary>
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time for a connect plus handshake; a peer that takes longer is dropped and dialled again. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A socket already bound and listening, to use instead of binding the address's port (tests and benchmarks
    /// bind port 0 first to learn a free port). The transport owns it. Default: none.</summary>
    public Socket? Listener { get; init; }

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (Secret.Length < MinimumSecretLength)
        {
            throw new ArgumentException($"Secret must be at least {MinimumSecretLength} characters (it has {Secret.Length})", nameof(Secret));
        }

        if (Serializer is null)
        {
            throw new ArgumentException("Serializer is required: remoting must know how to write the application's messages", nameof(Serializer));
        }

        if (OutboundQueueLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(OutboundQueueLimit), OutboundQueueLimit, "OutboundQueueLimit must be at least 1");
        }

        if (MaxFrameBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes, "MaxFrameBytes must be at least 1024");
        }

        if (MaxBatchBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchBytes), MaxBatchBytes, "MaxBatchBytes must be positive");
        }

        if (ReconnectBackoffMin <= TimeSpan.Zero || ReconnectBackoffMax < ReconnectBackoffMin)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectBackoffMax), ReconnectBackoffMax, "ReconnectBackoffMin must be positive and ReconnectBackoffMax at least ReconnectBackoffMin");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "HandshakeTimeout must be positive");
        }
    }
}

/// <summary>Installs remoting on a system's settings.</summary>
public static class RemoteSettingsExtensions
{
    /// <summary>The settings with <see cref="RemoteActorRefProvider"/> as the system's provider (Akka's
    /// <c>akka.actor.provider = remote</c>). The system's <see cref="ActorSystemSettings.Address"/> must be an
    /// <c>akka.tcp</c> address with host and port.</summary>
    public static ActorSystemSettings WithRemoting(this ActorSystemSettings settings, RemoteSettings remote)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(remote);
        remote.Validate();
        if (settings.Address is not { Protocol: Address.TcpProtocol, Host: not null, Port: not null })
        {
            throw new ArgumentException($"Address must be akka.tcp://system@host:port for remoting (it is '{settings.Address?.ToString() ?? "not set"}')", nameof(settings));
        }

        return settings with { ProviderFactory = (system, local) => new RemoteActorRefProvider(system, local, remote) };
    }
}
