namespace ActorTrading.Actors.Tests;

public sealed class LifecycleSpecs : TestKitBase
{
    [Fact]
    public async Task PoisonPill_stops_after_the_messages_before_it()
    {
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)));
        await ExpectMsgAsync("PreStart");
        Watch(actor);
        actor.Tell("one", null);
        actor.Tell(PoisonPill.Instance, null);
        actor.Tell("never", null);
        await ExpectMsgAsync("one");
        await ExpectMsgAsync("PostStop");
        await ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task Children_stop_before_their_parent_runs_PostStop()
    {
        var order = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(order.Ref)));
        await order.ExpectMsgAsync("child started");
        Sys.Stop(parent);
        await order.ExpectMsgAsync("child stopped");
        await order.ExpectMsgAsync("parent stopped");
    }

    [Fact]
    public async Task Graceful_stop_completes_when_the_actor_has_stopped()
    {
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)));
        await ExpectMsgAsync("PreStart");
        (await actor.GracefulStop(TimeSpan.FromSeconds(3))).ShouldBeTrue();
        await ExpectMsgAsync("PostStop");
    }

    [Fact]
    public async Task Graceful_stop_reports_false_when_the_actor_does_not_stop_in_time()
    {
        var ignorer = Sys.ActorOf(Props.Create<EchoActor>());
        (await ignorer.GracefulStop(TimeSpan.FromMilliseconds(100), stopMessage: "please stop")).ShouldBeFalse();
    }

    [Fact]
    public async Task Coordinated_shutdown_runs_phases_in_order_then_terminates_the_system()
    {
        var shutdown = CoordinatedShutdown.Get(Sys);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "last", _ => { order.Enqueue("last"); return Task.CompletedTask; });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "first", _ => { order.Enqueue("first"); return Task.CompletedTask; });
        shutdown.AddTask(CoordinatedShutdown.PhaseClusterShardingShutdownRegion, "failing", _ => throw new InvalidOperationException("ignored"));
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)));
        await ExpectMsgAsync("PreStart");

        await shutdown.Run("test");

        order.ShouldBe(["first", "last"]);
        await ExpectMsgAsync("PostStop");
        Sys.WhenTerminated.IsCompleted.ShouldBeTrue();
        Should.Throw<ArgumentException>(() => shutdown.AddTask("no-such-phase", "x", _ => Task.CompletedTask)).Message.ShouldContain("no-such-phase");
    }

    private sealed class Parent : ReceiveActor
    {
        private readonly IActorRef _order;

        public Parent(IActorRef order)
        {
            _order = order;
            Context.ActorOf(Props.Create(() => new Child(order)), "child");
        }

        protected override void PostStop() => _order.Tell("parent stopped", Self);
    }

    private sealed class Child : ReceiveActor
    {
        private readonly IActorRef _order;

        public Child(IActorRef order) => _order = order;

        protected override void PreStart() => _order.Tell("child started", Self);

        protected override void PostStop()
        {
            // A slow PostStop: the parent must still wait for it (no timing is asserted, only the order).
            Thread.Sleep(50);
            _order.Tell("child stopped", Self);
        }
    }
}
