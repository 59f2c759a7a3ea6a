using ActorTrading.Actors.Sharding;

namespace ActorTrading.Actors.Tests.Sharding;

public sealed class ShardingSpecs : TestKitBase
{
    private sealed record Hello(string Id, string Text);

    private sealed record Stop;

    private sealed record ReallyStop(string Id);

    private sealed class Extractor() : HashCodeMessageExtractor(10)
    {
        public override string? EntityId(object message) => message switch
        {
            Hello hello => hello.Id,
            ShardingEnvelope envelope => envelope.EntityId,
            _ => null,
        };
    }

    /// <summary>Reports its incarnation, replies to greetings, passivates on request.</summary>
    private sealed class Greeter : ReceiveActor
    {
        private static int s_incarnations;
        private readonly int _incarnation = Interlocked.Increment(ref s_incarnations);

        public Greeter(string id, IActorRef probe)
        {
            Receive<Hello>(h => h.Text == "passivate", _ => Context.Parent.Tell(new Passivate(new Stop()), Self));
            Receive<Hello>(h => h.Text == "crash", _ => throw new InvalidOperationException("crash"));
            Receive<Hello>(h => Sender.Tell($"{id}#{_incarnation}:{h.Text}", Self));
            Receive<string>(s => Sender.Tell($"{id}#{_incarnation}:{s}", Self));
            Receive<Stop>(_ =>
            {
                // Linger until the test says so, to make the passivation window observable.
                Context.System.EventStream.Publish($"stopping:{id}");
                Become(() =>
                {
                    Receive<ReallyStop>(r => r.Id == id, _ => Context.Stop(Self));
                    ReceiveAny(m => Sender.Tell($"old incarnation got {m}", Self));
                });
            });
            _ = probe;
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ReallyStop));

        protected override void PostStop() => Context.System.EventStream.Publish($"stopped:{Self.Path.Name}");
    }

    [Fact]
    public async Task The_mailbox_depth_of_a_busy_shard_is_reported_by_the_sharding_meter()
    {
        using var gate = new ManualResetEventSlim();
        var region = ClusterSharding.Get(Sys).Start(
            "mailbox-depth",
            id => Props.Create(() => new Blocking(gate)),
            new ClusterShardingSettings { PassivateIdleEntityAfter = null, MailboxMeasureInterval = TimeSpan.FromMilliseconds(20) },
            new Extractor(),
            new Stop());
        for (var i = 0; i < 30; i++)
        {
            region.Tell(new Hello("busy", "wait"), TestActor.Ref);
        }

        var depths = new List<(int Depth, string? Type)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "actortrading.shard.mailbox.depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "type")
                {
                    lock (depths)
                    {
                        depths.Add((value, tag.Value as string));
                    }
                }
            }
        });
        listener.Start();

        // The first message holds the entity's turn; the other 29 wait in its mailbox.
        await AwaitConditionAsync(() =>
        {
            listener.RecordObservableInstruments();
            lock (depths)
            {
                return depths.Any(d => d.Type == "mailbox-depth" && d.Depth >= 29);
            }
        }, "a depth of 29 for the busy shard", TimeSpan.FromSeconds(10));
        gate.Set();
    }

    /// <summary>Holds its first message's turn until the gate opens.</summary>
    private sealed class Blocking : ReceiveActor
    {
        public Blocking(ManualResetEventSlim gate) => Receive<Hello>(_ => gate.Wait(TimeSpan.FromSeconds(30)));
    }

    private IActorRef StartRegion(ClusterShardingSettings? settings = null, Func<string, Props>? props = null, object? stopMessage = null) =>
        ClusterSharding.Get(Sys).Start(
            "greeter",
            props ?? (id => Props.Create(() => new Greeter(id, TestActor.Ref))),
            settings ?? new ClusterShardingSettings { PassivateIdleEntityAfter = null },
            new Extractor(),
            stopMessage ?? new Stop());

    private static string IncarnationOf(string reply) => reply[..reply.IndexOf(':', StringComparison.Ordinal)];

    [Fact]
    public void Shard_ids_are_a_stable_hash_of_the_entity_id()
    {
        // Pinned: a change here would move every entity of every deployed cluster to another shard.
        HashCodeMessageExtractor.StableHash("bot-1").ShouldBe(3391207752u);
        HashCodeMessageExtractor.ShardIdOf("bot-1", 100).ShouldBe("52");
        HashCodeMessageExtractor.ShardIdOf("subscription-42", 100).ShouldBe("93");
        HashCodeMessageExtractor.ShardIdOf("ü-entity", 100).ShouldBe("58");
        HashCodeMessageExtractor.ShardIdOf(new string('x', 1000), 7).ShouldBe(HashCodeMessageExtractor.ShardIdOf(new string('x', 1000), 7));
    }

    [Fact]
    public async Task Entities_start_on_their_first_message_and_stay_the_same_incarnation()
    {
        var region = StartRegion();
        region.Tell(new Hello("a", "one"), TestActor.Ref);
        var first = await ExpectMsgAsync<string>();
        region.Tell(new Hello("a", "two"), TestActor.Ref);
        var second = await ExpectMsgAsync<string>();
        IncarnationOf(first).ShouldBe(IncarnationOf(second));
        second.ShouldEndWith(":two");

        region.Tell(new ShardingEnvelope("b/with slash", "enveloped"), TestActor.Ref);
        (await ExpectMsgAsync<string>()).ShouldStartWith("b/with slash#");

        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance);
        state.Shards.SelectMany(s => s.EntityIds).Order().ShouldBe(["a", "b/with slash"]);
        var location = await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("a", replyTo));
        location.ShardId.ShouldBe(HashCodeMessageExtractor.ShardIdOf("a", 10));
        location.EntityRef.ShouldNotBeNull();
        (await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("nobody", replyTo))).EntityRef.ShouldBeNull();
    }

    [Fact]
    public async Task Messages_without_an_entity_id_become_dead_letters()
    {
        var deadLetters = CaptureDeadLetters();
        var region = StartRegion();
        region.Tell(42, TestActor.Ref);
        (await deadLetters.ExpectMsgAsync<DeadLetter>()).Message.ShouldBe(42);
    }

    [Fact]
    public async Task Messages_for_a_passivating_entity_are_held_and_delivered_to_its_next_incarnation()
    {
        var events = Subscribe<string>();
        var region = StartRegion();
        region.Tell(new Hello("p", "before"), TestActor.Ref);
        var before = IncarnationOf(await ExpectMsgAsync<string>());

        region.Tell(new Hello("p", "passivate"), TestActor.Ref);
        await events.ExpectMsgAsync("stopping:p");
        region.Tell(new Hello("p", "after-1"), TestActor.Ref);
        region.Tell(new Hello("p", "after-2"), TestActor.Ref);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        Sys.EventStream.Publish(new ReallyStop("p"));

        var after1 = await ExpectMsgAsync<string>();
        var after2 = await ExpectMsgAsync<string>();
        after1.ShouldEndWith(":after-1");
        after2.ShouldEndWith(":after-2");
        IncarnationOf(after1).ShouldNotBe(before);
    }

    [Fact]
    public async Task Idle_entities_are_passivated()
    {
        var stops = Subscribe<string>();
        var region = StartRegion(new ClusterShardingSettings { PassivateIdleEntityAfter = TimeSpan.FromMilliseconds(100) });
        region.Tell(new Hello("idle", "hi"), TestActor.Ref);
        await ExpectMsgAsync<string>();
        await stops.ExpectMsgAsync("stopping:idle", TimeSpan.FromSeconds(3));
        Sys.EventStream.Publish(new ReallyStop("idle"));
        await stops.ExpectMsgAsync("stopped:idle");

        // The shard forgets the entity when its Terminated arrives, which may be after the entity said it stopped.
        await AwaitConditionAsync(async () => (await region.Ask<EntityLocation>(replyTo => new GetEntityLocation("idle", replyTo))).EntityRef is null, "the shard to forget the entity");
    }

    [Fact]
    public async Task An_entity_in_a_backoff_supervisor_gets_the_messages_sent_while_it_restarts()
    {
        var region = StartRegion(props: id => BackoffSupervisor.Props(
            BackoffOptions.OnFailure(Props.Create(() => new Greeter(id, TestActor.Ref)), "entity", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0)
            with { FinalStopMessage = m => m is Stop }));
        region.Tell(new Hello("r", "first"), TestActor.Ref);
        var first = IncarnationOf(await ExpectMsgAsync<string>());

        region.Tell(new Hello("r", "crash"), TestActor.Ref);
        region.Tell(new Hello("r", "during-backoff"), TestActor.Ref);
        var reply = await ExpectMsgAsync<string>(timeout: TimeSpan.FromSeconds(3));
        reply.ShouldEndWith(":during-backoff");
        IncarnationOf(reply).ShouldNotBe(first);

        // Passivation through the supervisor stops entity and supervisor for good.
        var stops = Subscribe<string>();
        region.Tell(new Hello("r", "passivate"), TestActor.Ref);
        await stops.ExpectMsgAsync("stopping:r");
        Sys.EventStream.Publish(new ReallyStop("r"));
        await stops.ExpectMsgAsync("stopped:entity");
        await AwaitConditionAsync(() => region.Ask<EntityLocation>(replyTo => new GetEntityLocation("r", replyTo)).Result.EntityRef is null, "the entity to leave its shard");
    }

    [Fact]
    public async Task A_hand_off_stops_the_shards_entities_and_holds_its_messages_until_the_shard_is_back()
    {
        var stops = Subscribe<string>();
        var region = StartRegion();
        region.Tell(new Hello("h", "one"), TestActor.Ref);
        var before = IncarnationOf(await ExpectMsgAsync<string>());
        var shardId = HashCodeMessageExtractor.ShardIdOf("h", 10);

        region.Tell(new HandOff(shardId), TestActor.Ref);
        region.Tell(new Hello("h", "during-hand-off"), TestActor.Ref);
        await stops.ExpectMsgAsync("stopping:h");
        Sys.EventStream.Publish(new ReallyStop("h"));
        await ExpectMsgAsync(new ShardStopped(shardId));
        await stops.ExpectMsgAsync("stopped:h");

        var reply = await ExpectMsgAsync<string>();
        reply.ShouldEndWith(":during-hand-off");
        IncarnationOf(reply).ShouldNotBe(before);
    }

    [Fact]
    public async Task Coordinated_shutdown_hands_off_every_shard_before_the_system_stops()
    {
        var stops = Subscribe<string>();
        var region = StartRegion();
        foreach (var id in new[] { "x", "y", "z" })
        {
            region.Tell(new Hello(id, "hi"), TestActor.Ref);
            await ExpectMsgAsync<string>();
        }

        Watch(region);
        var shutdown = CoordinatedShutdown.Get(Sys).Run("test");
        // The three shards hand off concurrently, so their entities start stopping in any order.
        var stopping = new[] { await stops.ExpectMsgAsync<string>(), await stops.ExpectMsgAsync<string>(), await stops.ExpectMsgAsync<string>() };
        stopping.Order().ShouldBe(["stopping:x", "stopping:y", "stopping:z"]);
        foreach (var id in new[] { "x", "y", "z" })
        {
            Sys.EventStream.Publish(new ReallyStop(id));
        }

        var stopped = new[] { await stops.ExpectMsgAsync<string>(), await stops.ExpectMsgAsync<string>(), await stops.ExpectMsgAsync<string>() };
        stopped.Order().ShouldBe(["stopped:x", "stopped:y", "stopped:z"]);
        await ExpectTerminatedAsync(region);
        await shutdown;
    }

    [Fact]
    public void A_region_type_can_be_started_once()
    {
        StartRegion();
        Should.Throw<InvalidOperationException>(() => StartRegion()).Message.ShouldContain("greeter");
        ClusterSharding.Get(Sys).ShardRegion("greeter").ShouldNotBeNull();
        Should.Throw<InvalidOperationException>(() => ClusterSharding.Get(Sys).ShardRegion("nope")).Message.ShouldContain("nope");
    }
}
