using System.Buffers;
using System.Text;
using ActorTrading.Actors.Serialization;
using ActorTrading.Actors.Sharding;
using ActorTrading.Remote.Transport;
using static ActorTrading.Remote.Tests.RemoteTestProtocol;

namespace ActorTrading.Remote.Tests;

/// <summary>The allocation-free path of a remote tell (issue 17, remote tell throughput): the payload written into a
/// reused buffer, frames written end to end into pooled chunks, frames read as slices of the pipe's segments.</summary>
public sealed class OutboundPathSpecs
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Serializing_into_a_buffer_writes_what_Serialize_returns_for_plain_and_enveloped_messages()
    {
        await using var node = RemoteNode.Start("node-a");
        var serializer = node.Remote.Serializer;
        var buffer = new ArrayBufferWriter<byte>();
        object[] messages = [new Blob(1, "body"), new ShardingEnvelope("entity-1", new Numbered(2)), new Pong(3)];

        foreach (var message in messages)
        {
            buffer.ResetWrittenCount();
            var manifest = serializer.Serialize(message, buffer);
            var expected = serializer.Serialize(message);

            manifest.ShouldBe(expected.Manifest);
            Encoding.UTF8.GetString(buffer.WrittenSpan).ShouldBe(Encoding.UTF8.GetString(expected.Payload));
            serializer.Deserialize(manifest, buffer.WrittenMemory).ShouldBe(message);
        }
    }

    [Fact]
    public void A_message_that_fails_halfway_leaves_the_threads_writer_clean_for_the_next()
    {
        var serializer = RemoteTestProtocol.Serializer(new NoRefs());
        var buffer = new ArrayBufferWriter<byte>();

        // The ref's path throws after {"n":1,"reply_to": is written.
        Should.Throw<InvalidOperationException>(() => serializer.Serialize(new Ping(1, new BrokenRef()), buffer));
        buffer.ResetWrittenCount();
        serializer.Serialize(new Numbered(5), buffer);

        Encoding.UTF8.GetString(buffer.WrittenSpan).ShouldBe("""{"n":5}""");
    }

    [Fact]
    public void Frames_split_off_a_segment_match_the_frames_written_and_a_cut_frame_waits_for_the_rest()
    {
        var recipient = "akka.tcp://node-b@127.0.0.1:2552/user/a"u8.ToArray();
        var first = Frames.Message(recipient, [], "remote-test.numbered.v1", """{"n":1}"""u8);
        var second = Frames.Message(recipient, "akka.tcp://node-a@127.0.0.1:2551/user/s"u8, "remote-test.numbered.v1", """{"n":2}"""u8);
        var segment = first.Concat(second).Concat(second.Take(7)).ToArray();

        var at = 0;
        Frames.TryRead(segment, ref at, 1024, out var one).ShouldBeTrue();
        Frames.TryRead(segment, ref at, 1024, out var two).ShouldBeTrue();
        Frames.TryRead(segment, ref at, 1024, out _).ShouldBeFalse();

        one.ToArray().ShouldBe(first[Frames.HeaderBytes..]);
        two.ToArray().ShouldBe(second[Frames.HeaderBytes..]);
        at.ShouldBe(first.Length + second.Length);
        var tooLong = (byte[])first.Clone();
        tooLong[0] = 0xff;
        var start = 0;
        Should.Throw<FrameException>(() => Frames.TryRead(tooLong, ref start, 16, out _)).Message.ShouldContain("MaxFrameBytes");
    }

    [Fact]
    public async Task Frames_bigger_than_the_read_segments_arrive_whole_and_in_order()
    {
        // 8 KiB batches and read segments, frames of 1 byte to 20 KiB: most frames span two or more segments.
        const int count = 300;
        await using var a = RemoteNode.Start("node-a", configure: s => s with { MaxBatchBytes = 8 * 1024 });
        await using var b = RemoteNode.Start("node-b", configure: s => s with { MaxBatchBytes = 8 * 1024 });
        var inbox = new Inbox();
        var target = a.RefTo(b.System.ActorOf(inbox.Props, "blobs"));
        var bodies = Enumerable.Range(0, count).Select(n => new string((char)('a' + (n % 26)), (n * 7919) % (20 * 1024))).ToList();

        for (var n = 0; n < count; n++)
        {
            target.Tell(new Blob(n, bodies[n]), null);
        }

        for (var expected = 0; expected < count; expected++)
        {
            var (message, _) = await inbox.ReceiveAsync(Limit);
            message.ShouldBe(new Blob(expected, bodies[expected]));
        }
    }

    [Fact]
    public async Task Tells_past_the_outbound_queue_limit_are_dead_letters_at_once()
    {
        // Nobody listens at the peer's port: everything stays queued, the limit holds, the rest is a dead letter.
        await using var a = RemoteNode.Start("node-a", configure: s => s with { OutboundQueueLimit = 10, ReconnectBackoffMin = TimeSpan.FromSeconds(30), ReconnectBackoffMax = TimeSpan.FromSeconds(30) });
        var deadLetters = new Inbox();
        a.System.EventStream.Subscribe(a.System.ActorOf(deadLetters.Props, "dead-letters"), typeof(DeadLetter));
        using var unused = RemoteTransport.Listen(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)(unused.LocalEndPoint ?? throw new InvalidOperationException("no endpoint"))).Port;
        unused.Close();
        var target = a.Remote.ResolveActorRef($"akka.tcp://node-b@127.0.0.1:{port}/user/nobody");

        for (var n = 0; n < 15; n++)
        {
            target.Tell(new Numbered(n), null);
        }

        var dropped = new List<int>();
        while (dropped.Count < 5)
        {
            var letter = await deadLetters.FishAsync<DeadLetter>(d => d.Message is Numbered, "a dead letter past the limit", Limit);
            dropped.Add(((Numbered)letter.Message).N);
        }

        dropped.Order().ShouldBe([10, 11, 12, 13, 14]);
    }

    private sealed class BrokenRef : IActorRef
    {
        public ActorPath Path => throw new InvalidOperationException("no path");

        public void Tell(object message, IActorRef? sender) => throw new NotSupportedException();

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);
    }

    private sealed class NoRefs : IActorRefProvider
    {
        public Address Address { get; } = new(Address.TcpProtocol, "no-refs", "127.0.0.1", 1);

        public ActorPath RootPath => new(Address, []);

        public IActorRef ResolveActorRef(ActorPath path) => throw new NotSupportedException();

        public IActorRef ActorOf(Props props, IActorRef supervisor, ActorPath path) => throw new NotSupportedException();
    }
}
