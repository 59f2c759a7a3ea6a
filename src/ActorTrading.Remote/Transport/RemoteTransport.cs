using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Remote.Transport;

/// <summary>What a queued frame carries, to make a dead letter of it if it cannot go (nothing for the death watch's own
/// frames).</summary>
internal readonly record struct OutboundFrame(object? Message, IActorRef? Sender, IActorRef? Recipient);

/// <summary>
/// Framed TCP between nodes. One outbound association per destination address, each with one writer loop (so messages from
/// one sender to one receiver keep their order) that writes whatever is queued as one batch and flushes once. Inbound
/// connections are read by one loop each and delivered to local actors. Every connection starts with the handshake
/// (<see cref="Handshake"/>); nothing is delivered or sent before it passes.
/// </summary>
public sealed class RemoteTransport : IAsyncDisposable
{
    private readonly RemoteActorRefProvider _provider;
    private readonly ConcurrentDictionary<Address, Association> _associations = new();
    private readonly ConcurrentDictionary<InboundConnection, byte> _inbound = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Socket _listener;
    private readonly Lock _disposeLock = new();
    private Task? _acceptLoop;
    private Task? _disposed;
    private long _writes;
    private long _framesWritten;
    private long _framesReceived;
    private long _handshakesRejected;

    internal RemoteTransport(RemoteActorRefProvider provider)
    {
        _provider = provider;
        LocalAddress = provider.Address;
        Uid = NewUid();
        Secret = Encoding.UTF8.GetBytes(provider.Settings.Secret);
        _listener = provider.Settings.Listener ?? Listen(LocalAddress);
    }

    /// <summary>This node's address, as peers dial it.</summary>
    public Address LocalAddress { get; }

    /// <summary>This incarnation's uid, told to peers in the handshake (a restarted node has another).</summary>
    public long Uid { get; }

    /// <summary>Socket writes so far: a batch of frames goes out in one write, or one per <see cref="RemoteSettings.MaxBatchBytes"/>.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Message frames written to sockets so far.</summary>
    public long FramesWritten => Interlocked.Read(ref _framesWritten);

    /// <summary>Message frames read from authenticated peers so far.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Connections, either way, refused by the handshake (wrong secret, bad hello).</summary>
    public long HandshakesRejected => Interlocked.Read(ref _handshakesRejected);

    internal RemoteActorRefProvider Provider => _provider;

    internal RemoteSettings Settings => _provider.Settings;

    internal ILogger Logger => _provider.Logger;

    internal byte[] Secret { get; }

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>A listening socket for <paramref name="endpoint"/> (port 0: any free port), for
    /// <see cref="RemoteSettings.Listener"/>.</summary>
    public static Socket Listen(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new InvalidOperationException($"remoting cannot listen on {endpoint}: {exception.Message}", exception);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            _disposed ??= StopAsync();
            return new ValueTask(_disposed);
        }
    }

    internal static async Task<IPEndPoint> ResolveAsync(Address address, CancellationToken cancellation)
    {
        var host = address.Host ?? throw new ArgumentException($"address {address} has no host", nameof(address));
        var port = address.Port ?? throw new ArgumentException($"address {address} has no port", nameof(address));
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellation);
        return addresses.Length > 0 ? new IPEndPoint(addresses[0], port) : throw new SocketException((int)SocketError.HostNotFound);
    }

    internal void Start()
    {
        RemoteLog.Listening(Logger, LocalAddress.ToString(), Uid);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Queues a frame built already (the death watch's) to <paramref name="destination"/>.</summary>
    internal void Enqueue(Address destination, ReadOnlySpan<byte> frame)
    {
        if (!_stopping.IsCancellationRequested)
        {
            AssociationTo(destination).Enqueue(frame, default);
        }
    }

    /// <summary>Queues a message frame to <paramref name="destination"/>; <paramref name="carried"/> becomes a dead letter
    /// if it cannot go.</summary>
    internal void EnqueueMessage(Address destination, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> sender, string manifest,
        ReadOnlySpan<byte> payload, int length, OutboundFrame carried)
    {
        if (_stopping.IsCancellationRequested)
        {
            _provider.DeadLetter(carried);
            return;
        }

        AssociationTo(destination).EnqueueMessage(recipient, sender, manifest, payload, length, carried);
    }

    /// <summary>Ends the association to <paramref name="address"/>; its queued messages become dead letters. Their count.</summary>
    internal int DropAssociation(Address address) =>
        _associations.TryRemove(address, out var association) ? association.Stop() : 0;

    internal void CountBatch(int frames, int writes)
    {
        Interlocked.Add(ref _writes, writes);
        Interlocked.Add(ref _framesWritten, frames);
    }

    internal void CountReceived() => Interlocked.Increment(ref _framesReceived);

    internal void CountRejected() => Interlocked.Increment(ref _handshakesRejected);

    internal void Forget(InboundConnection connection) => _inbound.TryRemove(connection, out _);

    private Association AssociationTo(Address destination) =>
        _associations.GetOrAdd(destination, static (address, transport) => new Association(transport, address), this);

    private static long NewUid()
    {
        long uid;
        do
        {
            uid = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
        }
        while (uid == 0);

        return uid;
    }

    private static Socket Listen(Address address)
    {
        var host = address.Host ?? throw new ArgumentException($"Address {address} has no host to listen on", nameof(address));
        var port = address.Port ?? throw new ArgumentException($"Address {address} has no port to listen on", nameof(address));
        var ip = IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed
            : host == "localhost" ? IPAddress.Loopback
            : IPAddress.Any; // A name other than localhost: listen on every interface, peers dial the name.
        return Listen(new IPEndPoint(ip, port));
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that died before it was accepted: the listener itself is fine.
                continue;
            }

            socket.NoDelay = true;
            var connection = new InboundConnection(this, socket);
            _inbound[connection] = 0;
            connection.Start();
        }
    }

    private async Task StopAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        var stopping = new List<Task>();
        if (_acceptLoop is not null)
        {
            stopping.Add(_acceptLoop);
        }

        foreach (var association in _associations.Values)
        {
            association.Stop();
            stopping.Add(association.Completion);
        }

        foreach (var connection in _inbound.Keys)
        {
            stopping.Add(connection.StopAsync());
        }

        await Task.WhenAll(stopping);
        _stopping.Dispose();
    }
}
