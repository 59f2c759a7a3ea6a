using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using ActorTrading.Actors.Serialization;
using ActorTrading.Remote.Transport;

namespace ActorTrading.Remote.Benchmarks;

/// <summary>
/// Remote tell throughput between two processes. The harness starts a child process of itself as the receiver, twice:
/// <list type="bullet">
/// <item>baseline: a bare socket; the parent writes pre-built frames (the very bytes remoting would write for the same
/// messages: recipient, manifest, JSON payload) in batches of the same size, the child only splits frames and acks each
/// round with one byte;</item>
/// <item>remoting: a node per process; the parent tells each message to a remote ref (serialize, queue, batch, write), the
/// child reads, deserializes and tells a counting actor, which answers the round over remoting.</item>
/// </list>
/// Each round is timed from the first write or tell to the child's answer that it has them all.
/// </summary>
public static class RemoteTellHarness
{
    private const string Secret = "bench-cluster-secret-0123456789";
    private const string Ready = "READY ";

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = HarnessArguments.Int(args, "--messages", 100_000);
        var rounds = HarnessArguments.Int(args, "--rounds", 5);
        var payloadBytes = HarnessArguments.Int(args, "--payload-bytes", 100);
        // The JIT's tiers settle over a few rounds (the first ones run at a third of the speed): they are not counted.
        var warmup = HarnessArguments.Int(args, "--warmup-rounds", 4);
        var data = new string('x', payloadBytes);
        Console.WriteLine($"remote-tell: {messages:N0} messages a round (JSON payload with {payloadBytes} characters of data), {rounds} rounds after {warmup} warm-up rounds, child process per side");

        var bare = await MeasureBareAsync(messages, warmup, rounds, data);
        var (remote, senderBytes, receiverBytes, senderCpu, receiverCpu) = await MeasureRemoteAsync(messages, warmup, rounds, data);
        var bareMedian = Median(bare);
        var remoteMedian = Median(remote);
        Console.WriteLine($"bare socket blast (same frames, no actors): median {bareMedian:N0} msgs/s (rounds: {string.Join(", ", bare.Select(r => r.ToString("N0")))})");
        Console.WriteLine($"remote tell (two node processes):          median {remoteMedian:N0} msgs/s (rounds: {string.Join(", ", remote.Select(r => r.ToString("N0")))})");
        Console.WriteLine($"allocated per remote tell (counted rounds, all threads): sender process {senderBytes:N0} B, receiver process {receiverBytes:N0} B");
        Console.WriteLine($"processor time per remote tell (counted rounds, all threads): sender process {senderCpu:N2} µs, receiver process {receiverCpu:N2} µs");
        Console.WriteLine($"ratio remote / bare: {remoteMedian / bareMedian:F2} (aim >= 0.5)");
        return 0;
    }

    /// <summary>The child of the remoting side: a node with a counting actor at /user/sink.</summary>
    public static async Task<int> RunRemoteReceiverAsync(string[] args)
    {
        var listener = RemoteTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)(listener.LocalEndPoint ?? throw new InvalidOperationException("no local endpoint"))).Port;
        await using var system = ActorSystem.Create("receiver", RemoteNodeSettings("receiver", port, listener, args));
        system.ActorOf(Props.Create(() => new Sink()), "sink");
        Console.WriteLine(Ready + system.Address);
        await WaitForStdinToCloseAsync();
        return 0;
    }

    /// <summary>The child of the baseline: a bare socket that reads whole frames and acks every <c>--messages</c>.</summary>
    public static async Task<int> RunRawReceiverAsync(string[] args)
    {
        var messages = HarnessArguments.Int(args, "--messages", 100_000);
        using var listener = RemoteTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        Console.WriteLine(Ready + ((IPEndPoint)(listener.LocalEndPoint ?? throw new InvalidOperationException("no local endpoint"))).Port);
        var reading = Task.Run(async () =>
        {
            using var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            var count = 0;
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (Frames.TryRead(ref buffer, int.MaxValue, out _))
                {
                    if (++count == messages)
                    {
                        count = 0;
                        await stream.WriteAsync(new byte[] { 1 });
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        });
        await WaitForStdinToCloseAsync();
        listener.Dispose();
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(5)));
        return 0;
    }

    private static async Task<List<double>> MeasureBareAsync(int messages, int warmup, int rounds, string data)
    {
        await using var child = await Child.StartAsync("receiver-raw", "--messages", messages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var port = int.Parse(child.Announced, System.Globalization.CultureInfo.InvariantCulture);
        // The frames remoting would write for these messages, built before the clock starts: the baseline is the wire alone.
        var recipient = Encoding.UTF8.GetBytes($"akka.tcp://receiver@127.0.0.1:{port}/user/sink");
        var serializer = Serializer(new StubProvider());
        var frames = new byte[messages][];
        for (var i = 0; i < messages; i++)
        {
            var serialized = serializer.Serialize(new BenchProtocol.Blast(i, data));
            frames[i] = Frames.Message(recipient, [], serialized.Manifest, serialized.Payload);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        var maxBatch = new RemoteSettings().MaxBatchBytes;
        var ack = new byte[1];
        var results = new List<double>();
        for (var round = 0; round < warmup + rounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            var batch = 0;
            foreach (var frame in frames)
            {
                writer.Write(frame);
                batch += frame.Length;
                if (batch >= maxBatch)
                {
                    await writer.FlushAsync();
                    batch = 0;
                }
            }

            await writer.FlushAsync();
            await stream.ReadExactlyAsync(ack);
            var perSecond = messages / Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (round >= warmup)
            {
                results.Add(perSecond);
            }
        }

        await writer.CompleteAsync();
        return results;
    }

    private static async Task<(List<double> PerSecond, double SenderBytes, double ReceiverBytes, double SenderMicroseconds, double ReceiverMicroseconds)> MeasureRemoteAsync(int messages, int warmup, int rounds, string data)
    {
        await using var child = await Child.StartAsync("receiver-remote", "--messages", messages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var listener = RemoteTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)(listener.LocalEndPoint ?? throw new InvalidOperationException("no local endpoint"))).Port;
        await using var system = ActorSystem.Create("sender", RemoteNodeSettings("sender", port, listener, ["--messages", messages.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        var done = Channel.CreateUnbounded<BenchProtocol.RoundDone>();
        var replyTo = system.ActorOf(Props.Create(() => new RoundWaiter(done.Writer)), "rounds");
        var sink = system.Provider.ResolveActorRef($"{child.Announced}/user/sink");
        var results = new List<double>();
        long senderAllocated = 0;
        long receiverAllocated = 0;
        var senderCpu = TimeSpan.Zero;
        var receiverCpu = TimeSpan.Zero;
        using var self = Process.GetCurrentProcess();
        for (var round = 0; round < warmup + rounds; round++)
        {
            // Every thread of the process (the tells, the writer loop, the actors): precise, and outside the timed span.
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            sink.Tell(new BenchProtocol.StartRound(messages, replyTo), null);
            for (var i = 0; i < messages; i++)
            {
                sink.Tell(new BenchProtocol.Blast(i, data), null);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var answer = await done.Reader.ReadAsync(deadline.Token);
            var perSecond = messages / Stopwatch.GetElapsedTime(started).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            self.Refresh();
            var cpu = self.TotalProcessorTime - cpuBefore;
            if (answer.Count != messages)
            {
                throw new InvalidOperationException($"round {round}: the receiver counted {answer.Count} of {messages}");
            }

            if (round >= warmup)
            {
                results.Add(perSecond);
                senderAllocated += allocated;
                receiverAllocated += answer.AllocatedBytes;
                senderCpu += cpu;
                receiverCpu += answer.ProcessorTime;
            }
        }

        var transport = RemoteActorRefProvider.Of(system).Transport;
        Console.WriteLine($"remoting wrote {transport.FramesWritten:N0} frames in {transport.Writes:N0} writes ({transport.FramesWritten / (double)Math.Max(1, transport.Writes):N0} frames a write)");
        var told = (double)messages * Math.Max(1, rounds);
        return (results, senderAllocated / told, receiverAllocated / told, senderCpu.TotalMicroseconds / told, receiverCpu.TotalMicroseconds / told);
    }

    private static ActorSystemSettings RemoteNodeSettings(string name, int port, Socket listener, string[] args)
    {
        var messages = HarnessArguments.Int(args, "--messages", 100_000);
        // A round is one burst of tells; the queue holds it whole, as it would a fan-out, instead of dead-lettering its tail.
        var remote = new RemoteSettings { Secret = Secret, Serializer = Serializer, Listener = listener, OutboundQueueLimit = messages + 16 };
        return new ActorSystemSettings { Address = new Address(Address.TcpProtocol, name, "127.0.0.1", port) }.WithRemoting(remote);
    }

    private static MessageSerializer Serializer(IActorRefProvider provider) => MessageSerializer.Create()
        .WithResolver(BenchJsonContext.Default)
        .Add<BenchProtocol.Blast>("bench.blast", 1)
        .Add<BenchProtocol.StartRound>("bench.start-round", 1)
        .Add<BenchProtocol.RoundDone>("bench.round-done", 1)
        .Build(provider);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task WaitForStdinToCloseAsync()
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }
    }

    /// <summary>Counts the round's messages and answers once it has them all.</summary>
    private sealed class Sink : ReceiveActor
    {
        private int _expected;
        private int _count;
        private IActorRef? _replyTo;
        private long _allocatedAtStart;
        private TimeSpan _cpuAtStart;

        public Sink()
        {
            Receive<BenchProtocol.StartRound>(start =>
            {
                _expected = start.Count;
                _count = 0;
                _replyTo = start.ReplyTo;
                _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
                _cpuAtStart = ProcessorTime();
            });
            Receive<BenchProtocol.Blast>(_ =>
            {
                if (++_count == _expected)
                {
                    _replyTo?.Tell(new BenchProtocol.RoundDone(_count, GC.GetTotalAllocatedBytes(precise: true) - _allocatedAtStart, ProcessorTime() - _cpuAtStart), Self);
                }
            });
        }
    }

    private static TimeSpan ProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private sealed class RoundWaiter : ReceiveActor
    {
        public RoundWaiter(ChannelWriter<BenchProtocol.RoundDone> done) => Receive<BenchProtocol.RoundDone>(d => done.TryWrite(d));
    }

    /// <summary>Only to build the baseline's frames, whose messages hold no refs.</summary>
    private sealed class StubProvider : IActorRefProvider
    {
        public Address Address { get; } = new(Address.TcpProtocol, "sender", "127.0.0.1", 1);

        public ActorPath RootPath => new(Address, []);

        public IActorRef ResolveActorRef(ActorPath path) => throw new NotSupportedException();

        public IActorRef ActorOf(Props props, IActorRef supervisor, ActorPath path) => throw new NotSupportedException();
    }

    /// <summary>A child process of this harness in a receiver mode: it announces itself on its first line and ends when
    /// its stdin closes.</summary>
    private sealed class Child : IAsyncDisposable
    {
        private readonly Process _process;

        private Child(Process process, string announced)
        {
            _process = process;
            Announced = announced;
        }

        public string Announced { get; }

        public static async Task<Child> StartAsync(string mode, params string[] args)
        {
            var start = new ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            var host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path to start the child with");
            start.FileName = host;
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(RemoteTellHarness).Assembly.Location);
            }

            start.ArgumentList.Add(mode);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host} {mode}");
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith(Ready, StringComparison.Ordinal))
            {
                process.Kill();
                throw new InvalidOperationException($"child {mode} said '{line}' instead of {Ready.Trim()}");
            }

            return new Child(process, line[Ready.Length..]);
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}

/// <summary>The benchmark's messages.</summary>
public static class BenchProtocol
{
    public sealed record Blast(long Seq, string Data);

    public sealed record StartRound(int Count, IActorRef ReplyTo);

    /// <summary>The sink has counted <paramref name="Count"/> blasts; its process allocated <paramref name="AllocatedBytes"/>
    /// and used <paramref name="ProcessorTime"/> (all threads) meanwhile.</summary>
    public sealed record RoundDone(int Count, long AllocatedBytes, TimeSpan ProcessorTime);
}

[JsonSerializable(typeof(BenchProtocol.Blast))]
[JsonSerializable(typeof(BenchProtocol.StartRound))]
[JsonSerializable(typeof(BenchProtocol.RoundDone))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
