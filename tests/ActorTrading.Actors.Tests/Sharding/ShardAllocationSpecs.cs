using System.Collections.Concurrent;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Actors.Tests.Sharding;

public sealed class ShardAllocationSpecs : TestKitBase
{
    private sealed record Hello(string Id, string Text);

    /// <summary>Knows only its own message, as an application's extractor does: no envelope, no kernel messages.</summary>
    private sealed class HelloOnlyExtractor() : HashCodeMessageExtractor(10)
    {
        public override string? EntityId(object message) => (message as Hello)?.Id;
    }

    /// <summary>Answers with <see cref="Where"/> (or, while <see cref="Pending"/> is set, later) and records each question.</summary>
    private sealed class RecordingAllocator : IShardAllocator
    {
        public ConcurrentQueue<(string ShardId, Dictionary<string, Address> Current)> Asked { get; } = new();

        public Address? Where { get; set; }

        public TaskCompletionSource<Address>? Pending { get; set; }

        public ValueTask<Address> AllocateShard(string shardId, IReadOnlyDictionary<string, Address> currentAllocations)
        {
            Asked.Enqueue((shardId, new Dictionary<string, Address>(currentAllocations)));
            return Pending is { } pending ? new ValueTask<Address>(pending.Task) : ValueTask.FromResult(Where ?? throw new InvalidOperationException("no answer"));
        }
    }

    private sealed class Greeter : ReceiveActor
    {
        public Greeter(string id, IActorRef probe)
        {
            probe.Tell($"started:{id}", Self);
            Receive<Hello>(h => Sender.Tell($"{id}:{h.Text}", Self));
        }
    }

    private IActorRef StartRegion(IShardAllocator? allocator = null, string typeName = "greeter") =>
        ClusterSharding.Get(Sys).Start(
            typeName,
            id => Props.Create(() => new Greeter(id, TestActor.Ref)),
            new ClusterShardingSettings { PassivateIdleEntityAfter = null },
            new HelloOnlyExtractor(),
            allocator: allocator);

    [Fact]
    public async Task The_region_asks_the_allocator_once_per_shard_with_the_shards_it_has()
    {
        var allocator = new RecordingAllocator { Where = Sys.Address };
        var region = StartRegion(allocator);
        var (a, b) = TwoIdsInDifferentShards();

        region.Tell(new Hello(a, "one"), TestActor.Ref);
        await ExpectMsgAsync($"started:{a}");
        await ExpectMsgAsync($"{a}:one");
        region.Tell(new Hello(a, "two"), TestActor.Ref);
        await ExpectMsgAsync($"{a}:two");
        region.Tell(new Hello(b, "three"), TestActor.Ref);
        await ExpectMsgAsync($"started:{b}");
        await ExpectMsgAsync($"{b}:three");

        var asked = allocator.Asked.ToArray();
        asked.Select(q => q.ShardId).ShouldBe([ShardOf(a), ShardOf(b)]);
        asked[0].Current.ShouldBeEmpty();
        asked[1].Current.ShouldBe(new Dictionary<string, Address> { [ShardOf(a)] = Sys.Address });
    }

    [Fact]
    public async Task Messages_wait_for_a_late_allocation_and_arrive_in_order()
    {
        var allocator = new RecordingAllocator { Pending = new TaskCompletionSource<Address>(TaskCreationOptions.RunContinuationsAsynchronously) };
        var region = StartRegion(allocator);
        region.Tell(new Hello("x", "one"), TestActor.Ref);
        region.Tell(new Hello("x", "two"), TestActor.Ref);
        await AwaitConditionAsync(() => allocator.Asked.Count == 1, "the region to ask where the shard lives");
        (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance)).Shards.ShouldBeEmpty();

        allocator.Pending.SetResult(Sys.Address);
        await ExpectMsgAsync("started:x");
        await ExpectMsgAsync("x:one");
        await ExpectMsgAsync("x:two");
        allocator.Asked.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_shard_allocated_to_another_node_is_not_created_here_and_its_messages_are_dead_letters()
    {
        var deadLetters = CaptureDeadLetters();
        var elsewhere = new Address(Address.TcpProtocol, Sys.Name, "10.0.0.2", 5001);
        var region = StartRegion(new RecordingAllocator { Where = elsewhere });
        region.Tell(new Hello("x", "one"), TestActor.Ref);
        (await deadLetters.ExpectMsgAsync<DeadLetter>()).Message.ShouldBe(new Hello("x", "one"));

        var location = await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("x", replyTo));
        location.EntityRef.ShouldBeNull();
        (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance)).Shards.ShouldBeEmpty();
    }

    [Fact]
    public async Task StartEntity_starts_an_entity_without_a_message_with_an_extractor_that_knows_only_its_own()
    {
        var region = StartRegion();
        region.Tell(new StartEntity("quiet"), TestActor.Ref);
        // The ack and the entity's start race: either may come first.
        (await TestActor.ReceiveNAsync<object>(2)).ShouldBe(["started:quiet", new StartEntityAck("quiet", ShardOf("quiet"))], ignoreOrder: true);
    }

    [Fact]
    public async Task GetEntityLocation_answers_with_the_shard_the_region_address_and_the_running_entity()
    {
        var region = StartRegion();
        var unknown = await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("later", replyTo));
        unknown.ShouldBe(new EntityLocation("later", ShardOf("later"), Sys.Address, null));

        region.Tell(new Hello("later", "hi"), TestActor.Ref);
        await ExpectMsgAsync("started:later");
        await ExpectMsgAsync("later:hi");
        var entity = TestActor.LastSender.ShouldNotBeNull();
        var running = await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("later", replyTo));
        running.ShardId.ShouldBe(ShardOf("later"));
        running.RegionAddress.ShouldBe(Sys.Address);
        running.EntityRef.ShouldNotBeNull();
        running.EntityRef.Path.Name.ShouldBe(entity.Path.Name);
    }

    [Fact]
    public void The_extractor_gives_the_shard_of_an_entity_id_as_of_its_messages()
    {
        var extractor = new HelloOnlyExtractor();
        extractor.ShardId("a").ShouldBe(HashCodeMessageExtractor.ShardIdOf("a", 10));
        extractor.ShardId((object)new Hello("a", "x")).ShouldBe(extractor.ShardId("a"));
        extractor.ShardId((object)new StartEntity("a")).ShouldBe(extractor.ShardId("a"));
        extractor.ShardId((object)new GetEntityLocation("a", ActorRefs.Nobody)).ShouldBe(extractor.ShardId("a"));
    }

    private static string ShardOf(string entityId) => HashCodeMessageExtractor.ShardIdOf(entityId, 10);

    private static (string, string) TwoIdsInDifferentShards()
    {
        var b = Enumerable.Range(0, 100).Select(i => $"b{i}").First(id => ShardOf(id) != ShardOf("a"));
        return ("a", b);
    }
}
