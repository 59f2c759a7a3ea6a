using System.Collections.Concurrent;
using ActorTrading.Actors.Sharding;
using ActorTrading.TestSupport;
using static ActorTrading.Remote.Tests.RemoteTestProtocol;

namespace ActorTrading.Remote.Tests;

/// <summary>Shard regions of one type on two nodes: a region forwards a shard's messages to the region of the node its
/// allocator names, and a shard that moves is given back to the allocator before what arrived for it is routed again.</summary>
public sealed class RemoteShardingSpecs
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_message_for_a_shard_that_lives_on_another_node_is_forwarded_to_the_region_there_with_its_sender()
    {
        await using var a = RemoteNode.Start("node-a");
        await using var b = RemoteNode.Start("node-b");
        var homes = new Homes(b.Address);
        var regionA = StartRegion(a, homes);
        StartRegion(b, homes);
        var replies = new Inbox();
        var replyTo = a.System.ActorOf(replies.Props, "replies");

        regionA.Tell(new ShardingEnvelope("e-1", new Ping(5, replyTo)), replyTo);

        (await replies.ReceiveAsync(Limit)).Message.ShouldBe(new Pong(5));
        var (pong, sender) = await replies.ReceiveAsync(Limit);
        pong.ShouldBe(new Pong(-5));
        sender.ShouldNotBeNull().Path.Address.ShouldBe(b.Address, "the entity runs on node b");
    }

    [Fact]
    public async Task A_shard_handed_off_is_released_to_the_allocator_and_its_next_messages_go_where_it_says_now()
    {
        await using var a = RemoteNode.Start("node-a");
        await using var b = RemoteNode.Start("node-b");
        var homes = new Homes(b.Address);
        var regionA = StartRegion(a, homes);
        var regionB = StartRegion(b, homes);
        var replies = new Inbox();
        var replyTo = a.System.ActorOf(replies.Props, "replies");
        regionA.Tell(new ShardingEnvelope("e-1", new Ping(1, replyTo)), replyTo);
        (await replies.ReceiveAsync(Limit)).Message.ShouldBe(new Pong(1));
        await replies.ReceiveAsync(Limit);

        // The shard moves to a: b hands it off, gives it back, and then routes anew (its allocator now says a).
        var shardId = new EnvelopeMessageExtractor(10).ShardId("e-1");
        homes.Where = a.Address;
        var stopped = await regionB.Ask<ShardStopped>(new HandOff(shardId), Limit);
        stopped.ShardId.ShouldBe(shardId);
        await Eventually.HoldsAsync(() => homes.Released.Contains((b.Address, shardId)), "b gave the shard back", Limit);
        regionB.Tell(new ShardingEnvelope("e-1", new Ping(2, replyTo)), replyTo);

        (await replies.ReceiveAsync(Limit)).Message.ShouldBe(new Pong(2));
        var (_, sender) = await replies.ReceiveAsync(Limit);
        sender.ShouldNotBeNull().Path.Address.ShouldBe(a.Address, "the entity runs on node a now");
    }

    private static IActorRef StartRegion(RemoteNode node, Homes homes) =>
        ClusterSharding.Get(node.System).Start("echo", _ => Props.Create(() => new ShardEcho()), new ClusterShardingSettings(),
            new EnvelopeMessageExtractor(10), allocator: new Homes.Allocator(homes, node.Address));

    private sealed class ShardEcho : ReceiveActor
    {
        public ShardEcho() => Receive<Ping>(ping =>
        {
            ping.ReplyTo.Tell(new Pong(ping.N), Self);
            Sender.Tell(new Pong(-ping.N), Self);
        });
    }

    /// <summary>Where every shard lives (one answer for all of them, changed by the spec), and what each node gave back.</summary>
    private sealed class Homes(Address where)
    {
        public Address Where { get; set; } = where;

        public ConcurrentBag<(Address Node, string ShardId)> Released { get; } = [];

        public sealed class Allocator(Homes homes, Address self) : IShardAllocator
        {
            public ValueTask<Address> AllocateShard(string shardId, IReadOnlyDictionary<string, Address> currentAllocations) => ValueTask.FromResult(homes.Where);

            public ValueTask ShardStopped(string shardId)
            {
                homes.Released.Add((self, shardId));
                return ValueTask.CompletedTask;
            }
        }
    }
}
