using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Remote.Transport;

/// <summary>A frame on its way out, and the message it carries, to make a dead letter of it if it cannot go (none for the
/// death watch's own frames).</summary>
internal readonly record struct OutboundFrame(byte[] Frame, object? Message, IActorRef? Sender, IActorRef? Recipient);

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

    /// <summary>Flushes to sockets so far: each is one batch of frames (one write, or a few for a batch over a buffer).</summary>
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

    internal void Enqueue(Address destination, OutboundFrame frame)
    {
        if (_stopping.IsCancellationRequested)
        {
            _provider.DeadLetter(frame);
            return;
        }

        var association = _associations.GetOrAdd(destination, static (address, transport) => new Association(transport, address), this);
        association.Enqueue(frame);
    }

    /// <summary>Ends the association to <paramref name="address"/>; its queued messages become dead letters. Their count.</summary>
    internal int DropAssociation(Address address) =>
        _associations.TryRemove(address, out var association) ? association.Stop() : 0;

    internal void CountBatch(int frames)
    {
        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _framesWritten, frames);
    }

    internal void CountReceived() => Interlocked.Increment(ref _framesReceived);

    internal void CountRejected() => Interlocked.Increment(ref _handshakesRejected);

    internal void Forget(InboundConnection connection) => _inbound.TryRemove(connection, out _);

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
