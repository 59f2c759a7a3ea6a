using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace ActorTrading.TestSupport;

/// <summary>What a <see cref="TcpProxy"/> does with its connections.</summary>
public enum TcpProxyMode
{
    /// <summary>Forwards bytes both ways.</summary>
    Pass,

    /// <summary>A partition: every socket stays open, new connections are accepted, nothing is forwarded either way.
    /// Bytes read meanwhile are dropped, as a real partition loses them.</summary>
    Blackhole,

    /// <summary>Every current connection is closed with RST, and every new one is reset at once, until set back to
    /// <see cref="Pass"/>.</summary>
    Reset,
}

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one target (PostgreSQL, a peer node), for fault tests of processes: a cluster test
/// cannot cut a real cable, but it can put this between a node and what it talks to and switch it to
/// <see cref="TcpProxyMode.Blackhole"/> (a partition that keeps every socket open, so the node sees timeouts, not errors)
/// or <see cref="TcpProxyMode.Reset"/> (a peer that is gone) at any moment, and back to <see cref="TcpProxyMode.Pass"/>.
/// </summary>
/// <remarks>
/// A connection to the target is opened for every accepted connection, in <see cref="TcpProxyMode.Pass"/> and
/// <see cref="TcpProxyMode.Blackhole"/> alike (a refused target resets the client). Bytes that arrive while in
/// <see cref="TcpProxyMode.Blackhole"/> are dropped, not buffered: after <see cref="TcpProxyMode.Pass"/> only what is sent
/// from then on arrives, as after a real partition heals. A read that completed just before a switch may still be
/// forwarded. An end of stream is forwarded in <see cref="TcpProxyMode.Pass"/> only.
/// </remarks>
public sealed class TcpProxy : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly EndPoint _target;
    private readonly HashSet<Connection> _connections = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private volatile int _mode = (int)TcpProxyMode.Pass;
    private long _accepted;
    private long _forwarded;
    private long _dropped;
    private int _disposed;

    private TcpProxy(TcpListener listener, EndPoint target)
    {
        _listener = listener;
        _target = target;
        EndPoint = (IPEndPoint)listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect: 127.0.0.1 and a port the system chose.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port of <see cref="EndPoint"/>.</summary>
    public int Port => EndPoint.Port;

    /// <summary>Where the proxy forwards to.</summary>
    public EndPoint Target => _target;

    /// <summary>The current mode; change it with <see cref="SetMode"/>.</summary>
    public TcpProxyMode Mode => (TcpProxyMode)_mode;

    /// <summary>Connections accepted since the start, in any mode.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    /// <summary>Bytes forwarded since the start, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Bytes read and dropped in <see cref="TcpProxyMode.Blackhole"/>, both directions together.</summary>
    public long BytesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Connections open now (client side accepted, not yet closed).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Starts a proxy on 127.0.0.1 (a free port) forwarding to <paramref name="target"/>.</summary>
    /// <param name="target">The endpoint to forward to (loopback in tests).</param>
    /// <returns>The running proxy, in <see cref="TcpProxyMode.Pass"/>.</returns>
    public static TcpProxy Start(EndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new TcpProxy(listener, target);
    }

    /// <summary>Starts a proxy forwarding to <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="host">The target's host name or address (e.g. <c>127.0.0.1</c>).</param>
    /// <param name="port">The target's port.</param>
    /// <returns>The running proxy, in <see cref="TcpProxyMode.Pass"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="host"/> is empty or <paramref name="port"/> is not a TCP port.</exception>
    public static TcpProxy Start(string host, int port)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new ArgumentException("host: must name the target (e.g. 127.0.0.1)", nameof(host));
        }

        if (port is < 1 or > 65535)
        {
            throw new ArgumentException($"port: {port} is not a TCP port (1-65535)", nameof(port));
        }

        return Start(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
    }

    /// <summary>Switches the mode. <see cref="TcpProxyMode.Reset"/> resets every open connection before it returns.</summary>
    /// <param name="mode">The new mode.</param>
    public void SetMode(TcpProxyMode mode)
    {
        Connection[] reset;
        lock (_connections)
        {
            _mode = (int)mode;
            if (mode != TcpProxyMode.Reset)
            {
                return;
            }

            reset = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in reset)
        {
            connection.Abort();
        }
    }

    /// <summary>Stops listening and resets every open connection.</summary>
    /// <returns>A task that completes when the proxy is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener stopped under the accept: the end of the loop.
        }

        Connection[] open;
        lock (_connections)
        {
            open = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in open)
        {
            connection.Abort();
        }

        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"TcpProxy {EndPoint} -> {_target} ({Mode})";

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        if (Mode == TcpProxyMode.Reset)
        {
            AbortSocket(client);
            return;
        }

        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await server.ConnectAsync(_target, _stopping.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The target is not there: the client sees the reset it would see without the proxy.
            AbortSocket(server);
            AbortSocket(client);
            return;
        }

        var connection = new Connection(client, server);
        lock (_connections)
        {
            // Checked under the lock that SetMode(Reset) takes: no connection escapes a reset.
            if (Mode == TcpProxyMode.Reset || _stopping.IsCancellationRequested)
            {
                connection.Abort();
                return;
            }

            _connections.Add(connection);
        }

        await Task.WhenAll(PumpAsync(connection, client, server), PumpAsync(connection, server, client));
        lock (_connections)
        {
            _connections.Remove(connection);
        }

        connection.Abort();
    }

    private async Task PumpAsync(Connection connection, Socket from, Socket to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, _stopping.Token);
                var mode = Mode;
                if (read == 0)
                {
                    if (mode == TcpProxyMode.Pass)
                    {
                        to.Shutdown(SocketShutdown.Send);
                    }

                    return;
                }

                if (mode != TcpProxyMode.Pass)
                {
                    Interlocked.Add(ref _dropped, read);
                    continue;
                }

                // Counted before it is sent: whoever receives it then sees it counted.
                Interlocked.Add(ref _forwarded, read);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // One side failed (or was reset by SetMode): in a partition the other side learns nothing; otherwise both go.
            if (Mode == TcpProxyMode.Pass)
            {
                connection.Abort();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void AbortSocket(Socket socket)
    {
        try
        {
            // Linger 0: close sends RST, not FIN, which is what a reset peer looks like.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Dispose();
    }

    private sealed class Connection(Socket client, Socket server)
    {
        private int _aborted;

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) == 0)
            {
                AbortSocket(client);
                AbortSocket(server);
            }
        }
    }
}
