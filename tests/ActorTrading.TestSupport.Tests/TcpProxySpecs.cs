using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorTrading.TestSupport;
using Npgsql;

namespace ActorTrading.TestSupport.Tests;

/// <summary>The proxy the cluster's fault tests put between a node and PostgreSQL or a peer: real sockets on loopback.</summary>
public sealed class TcpProxySpecs : IAsyncLifetime
{
    // How long "no reply" is watched for: a reply on loopback comes in well under a millisecond.
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private EchoServer _echo = null!;
    private TcpProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _echo = EchoServer.Start();
        _proxy = TcpProxy.Start(_echo.EndPoint);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _echo.Dispose();
    }

    [Fact]
    public async Task Pass_forwards_an_echo_servers_replies_and_counts_connections_and_bytes()
    {
        using var client = await ConnectAsync();

        (await RoundTripAsync(client, "hello")).ShouldBe("hello");

        _proxy.ConnectionsAccepted.ShouldBe(1);
        _proxy.BytesForwarded.ShouldBe(10, "5 bytes there, 5 back");
        _proxy.EndPoint.Address.ShouldBe(IPAddress.Loopback);
    }

    [Fact]
    public async Task Blackhole_keeps_the_socket_open_forwards_nothing_and_pass_lets_new_writes_through()
    {
        using var client = await ConnectAsync();
        (await RoundTripAsync(client, "a")).ShouldBe("a");

        _proxy.SetMode(TcpProxyMode.Blackhole);
        using var during = await ConnectAsync();
        await SendAsync(client, "b");
        await SendAsync(during, "x");
        var reply = ReceiveAsync(client);
        var duringReply = ReceiveAsync(during);
        await Should.ThrowAsync<TimeoutException>(reply.WaitAsync(Silence));
        await Should.ThrowAsync<TimeoutException>(duringReply.WaitAsync(Silence));
        client.Connected.ShouldBeTrue("a partition keeps the socket open");
        _proxy.ConnectionsAccepted.ShouldBe(2, "new connections are accepted in a blackhole");
        await Eventually.HoldsAsync(() => _proxy.BytesDropped == 2, "the two bytes sent into the blackhole dropped", Limit);

        _proxy.SetMode(TcpProxyMode.Pass);
        await SendAsync(client, "c");
        (await reply.WaitAsync(Limit)).ShouldBe("c", "what was sent in the blackhole is dropped, the kept socket carries what follows");
        await SendAsync(during, "y");
        (await duringReply.WaitAsync(Limit)).ShouldBe("y");
    }

    [Fact]
    public async Task Reset_resets_open_connections_and_new_ones_until_pass()
    {
        using var client = await ConnectAsync();
        (await RoundTripAsync(client, "a")).ShouldBe("a");
        var pending = ReceiveAsync(client);

        _proxy.SetMode(TcpProxyMode.Reset);

        var reset = await Should.ThrowAsync<SocketException>(pending.WaitAsync(Limit));
        reset.SocketErrorCode.ShouldBe(SocketError.ConnectionReset);
        // A new connection is reset: at its connect already, or at its first exchange.
        await Should.ThrowAsync<SocketException>(async () =>
        {
            using var refused = await ConnectAsync();
            await RoundTripAsync(refused, "b");
        });

        _proxy.SetMode(TcpProxyMode.Pass);
        using var again = await ConnectAsync();
        (await RoundTripAsync(again, "c")).ShouldBe("c");
    }

    [Fact]
    public async Task A_postgres_connection_through_the_proxy_works_in_pass_and_fails_under_blackhole_and_reset()
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString);
        await using var pg = TcpProxy.Start(server.Host ?? "127.0.0.1", server.Port);
        var proxied = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = pg.Port,
            Pooling = false,
            Timeout = 2,
            CommandTimeout = 1,
            // The cancel request of a timed-out command would go into the blackhole too: do not wait for it.
            CancellationTimeout = -1,
        }.ConnectionString;

        await using (var open = new NpgsqlConnection(proxied))
        {
            await open.OpenAsync();
            (await ScalarAsync(open)).ShouldBe(1);

            pg.SetMode(TcpProxyMode.Blackhole);
            var timedOut = await Should.ThrowAsync<NpgsqlException>(ScalarAsync(open).WaitAsync(Limit));
            timedOut.InnerException.ShouldBeOfType<TimeoutException>(timedOut.ToString());
        }

        await using (var blackholed = new NpgsqlConnection(proxied))
        {
            await Should.ThrowAsync<NpgsqlException>(blackholed.OpenAsync().WaitAsync(Limit));
        }

        pg.SetMode(TcpProxyMode.Pass);
        await using (var open = new NpgsqlConnection(proxied))
        {
            await open.OpenAsync();
            (await ScalarAsync(open)).ShouldBe(1, "the proxy passes again");

            pg.SetMode(TcpProxyMode.Reset);
            await Should.ThrowAsync<NpgsqlException>(ScalarAsync(open).WaitAsync(Limit));
        }

        await using (var reset = new NpgsqlConnection(proxied))
        {
            await Should.ThrowAsync<NpgsqlException>(reset.OpenAsync().WaitAsync(Limit));
        }
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync() ?? 0);
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.EndPoint);
        return socket;
    }

    private static async Task<string> RoundTripAsync(Socket socket, string text)
    {
        await SendAsync(socket, text);
        return await ReceiveAsync(socket).WaitAsync(Limit);
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        var read = await socket.ReceiveAsync(buffer);
        return read == 0 ? "<end of stream>" : Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>Writes back whatever it reads, on every connection.</summary>
    private sealed class EchoServer : IDisposable
    {
        private readonly TcpListener _listener;

        private EchoServer(TcpListener listener)
        {
            _listener = listener;
            _ = AcceptAsync();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public static EchoServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new EchoServer(listener);
        }

        public void Dispose() => _listener.Stop();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    _ = EchoAsync(await _listener.AcceptSocketAsync());
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private static async Task EchoAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[4096];
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer)) > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, read));
                    }
                }
                catch (SocketException)
                {
                    // The proxy reset it.
                }
            }
        }
    }
}
