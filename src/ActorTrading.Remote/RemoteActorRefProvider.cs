using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using ActorTrading.Actors;
using ActorTrading.Actors.Serialization;
using ActorTrading.Remote.Transport;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Remote;

/// <summary>
/// The provider of a system that other nodes reach (Akka's RemoteActorRefProvider): paths of this system go to the
/// <see cref="LocalActorRefProvider"/> it wraps, paths with another node's address give <see cref="RemoteActorRef"/>s.
/// Install it with <see cref="RemoteSettingsExtensions.WithRemoting"/>; it starts the <see cref="RemoteTransport"/> and
/// stops it when the system terminates.
/// </summary>
public sealed partial class RemoteActorRefProvider : IActorRefProvider
{
    // Refs as senders are written per message: their encoded path is kept, up to this many, then the cache starts over.
    private const int SenderCacheLimit = 10_000;

    // The largest payload buffer a thread keeps between tells.
    private const int MaxKeptPayloadBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_payload;

    private readonly IActorRefProvider _local;
    private readonly ConcurrentDictionary<IActorRef, byte[]> _senderPaths = new();

    internal RemoteActorRefProvider(ActorSystem system, IActorRefProvider local, RemoteSettings settings)
    {
        System = system;
        _local = local;
        Settings = settings;
        Logger = system.LoggerFactory.CreateLogger("ActorTrading.Remote");
        Serializer = (settings.Serializer ?? throw new ArgumentException("Serializer is required", nameof(settings)))(this);
        Transport = new RemoteTransport(this);
        Transport.Start();
        // The port is freed with the system; tests and hosts that must know when can await Transport.DisposeAsync().
        _ = system.WhenTerminated.ContinueWith(_ => Transport.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    /// <inheritdoc/>
    public Address Address => _local.Address;

    /// <inheritdoc/>
    public ActorPath RootPath => _local.RootPath;

    /// <summary>The network side: associations, the listener and their counters.</summary>
    public RemoteTransport Transport { get; }

    /// <summary>The serializer messages cross nodes with.</summary>
    public IMessageSerializer Serializer { get; }

    internal ActorSystem System { get; }

    internal RemoteSettings Settings { get; }

    internal ILogger Logger { get; }

    /// <summary>The remote provider of <paramref name="system"/>; <see cref="InvalidOperationException"/> when it has none.</summary>
    public static RemoteActorRefProvider Of(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.Provider as RemoteActorRefProvider
            ?? throw new InvalidOperationException($"{system} has no remoting: create it with settings.WithRemoting(...)");
    }

    /// <inheritdoc/>
    public IActorRef ResolveActorRef(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (IsLocal(path.Address))
        {
            return _local.ResolveActorRef(path);
        }

        return path.Address is { Protocol: Address.TcpProtocol, HasGlobalScope: true, Port: not null }
            ? new RemoteActorRef(this, path)
            : throw new UnknownAddressException(path, Address);
    }

    /// <inheritdoc/>
    public IActorRef ActorOf(Props props, IActorRef supervisor, ActorPath path) => _local.ActorOf(props, supervisor, path);

    internal bool IsLocal(Address address) => address.Equals(Address) || (address.HasLocalScope && address.System == Address.System);

    /// <summary>Serializes and queues; anything that cannot be sent is logged and becomes a dead letter.</summary>
    internal void Send(RemoteActorRef recipient, object message, IActorRef? sender)
    {
        // The payload goes to this thread's buffer, then is framed straight into the association's: no array per message.
        var payload = t_payload ??= new ArrayBufferWriter<byte>(4096);
        payload.ResetWrittenCount();
        try
        {
            string manifest;
            int length;
            ReadOnlySpan<byte> senderPath;
            try
            {
                manifest = Serializer.Serialize(message, payload);
                senderPath = SenderPath(sender);
                length = Frames.MessageLength(recipient.PathBytes.Length, senderPath.Length, manifest, payload.WrittenCount);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                RemoteLog.CannotSend(Logger, message.GetType().Name, recipient.Path.ToString(), exception.Message);
                DeadLetter(message, sender, recipient);
                return;
            }

            if (length - Frames.HeaderBytes > Settings.MaxFrameBytes)
            {
                RemoteLog.CannotSend(Logger, message.GetType().Name, recipient.Path.ToString(), $"its frame of {length} bytes is over MaxFrameBytes ({Settings.MaxFrameBytes})");
                DeadLetter(message, sender, recipient);
                return;
            }

            Transport.EnqueueMessage(recipient.Address, recipient.PathBytes, senderPath, manifest, payload.WrittenSpan, length, new OutboundFrame(message, sender, recipient));
        }
        finally
        {
            // A payload far bigger than usual is let go rather than kept by the thread.
            if (payload.Capacity > MaxKeptPayloadBytes)
            {
                t_payload = null;
            }
        }
    }

    internal void DeadLetter(object message, IActorRef? sender, IActorRef recipient) =>
        System.DeadLetters.Tell(new DeadLetter(message, sender, recipient), sender);

    internal void DeadLetter(OutboundFrame frame)
    {
        if (frame is { Message: { } message, Recipient: { } recipient })
        {
            DeadLetter(message, frame.Sender, recipient);
        }
    }

    private ReadOnlySpan<byte> SenderPath(IActorRef? sender)
    {
        if (sender is null || ReferenceEquals(sender, ActorRefs.Nobody))
        {
            return [];
        }

        if (sender is RemoteActorRef remote)
        {
            return remote.PathBytes;
        }

        if (_senderPaths.TryGetValue(sender, out var cached))
        {
            return cached;
        }

        if (_senderPaths.Count >= SenderCacheLimit)
        {
            _senderPaths.Clear();
        }

        // A local sender goes out with this node's address, so that the receiver answers here.
        var bytes = Encoding.UTF8.GetBytes(sender.Path.ToSerializationFormatWithAddress(Address));
        _senderPaths[sender] = bytes;
        return bytes;
    }
}
