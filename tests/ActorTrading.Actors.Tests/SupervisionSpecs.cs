using System.Runtime.CompilerServices;

namespace ActorTrading.Actors.Tests;

public sealed class SupervisionSpecs : TestKitBase
{
    private async Task<IActorRef> ChildOf(IActorRef supervisor, Props props, string name) =>
        await supervisor.Ask<IActorRef>((props, name), TimeSpan.FromSeconds(3));

    private IActorRef SupervisorWith(SupervisorStrategy strategy) => Sys.ActorOf(Props.Create(() => new Supervisor(strategy)));

    [Fact]
    public async Task Restart_runs_the_hooks_resets_state_and_keeps_the_mailbox()
    {
        var child = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)));
        await ExpectMsgAsync("PreStart");
        child.Tell("inc", null);
        child.Tell("inc", null);
        (await child.Ask<int>("count", TimeSpan.FromSeconds(3))).ShouldBe(2);

        // Messages queued behind the failing one survive the restart.
        child.Tell("fail", null);
        child.Tell("after-1", null);
        child.Tell("after-2", null);

        await ExpectMsgAsync("PreRestart:fail");
        await ExpectMsgAsync("PostStop");
        await ExpectMsgAsync("PostRestart");
        await ExpectMsgAsync("PreStart");
        await ExpectMsgAsync("after-1");
        await ExpectMsgAsync("after-2");
        (await child.Ask<int>("count", TimeSpan.FromSeconds(3))).ShouldBe(0);
    }

    [Fact]
    public async Task Resume_keeps_the_state()
    {
        var supervisor = SupervisorWith(new OneForOneStrategy(_ => Directive.Resume));
        var child = await ChildOf(supervisor, Props.Create(() => new LifecycleActor(TestActor.Ref)), "c");
        await ExpectMsgAsync("PreStart");
        child.Tell("inc", null);
        child.Tell("fail", null);
        child.Tell("inc", null);
        (await child.Ask<int>("count", TimeSpan.FromSeconds(3))).ShouldBe(2);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Stop_directive_stops_the_child()
    {
        var supervisor = SupervisorWith(SupervisorStrategy.StoppingStrategy);
        var child = await ChildOf(supervisor, Props.Create(() => new LifecycleActor(TestActor.Ref)), "c");
        await ExpectMsgAsync("PreStart");
        Watch(child);
        child.Tell("fail", null);
        await ExpectMsgAsync("PostStop");
        await ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task A_child_is_stopped_once_its_restart_budget_within_the_window_is_spent()
    {
        var supervisor = SupervisorWith(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart));
        var probe = CreateTestProbe();
        var child = await ChildOf(supervisor, Props.Create(() => new LifecycleActor(probe.Ref)), "c");
        Watch(child);
        for (var i = 0; i < 2; i++)
        {
            child.Tell("fail", null);
            await probe.FishForMessageAsync<string>(s => s == "PostRestart");
        }

        child.Tell("fail", null);
        await ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task Escalate_hands_the_failure_to_the_grandparent()
    {
        var grandparentProbe = CreateTestProbe();
        var grandparent = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Stop))));
        var parent = await ChildOf(grandparent, Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), "parent");
        var child = await ChildOf(parent, Props.Create(() => new LifecycleActor(grandparentProbe.Ref)), "child");
        await grandparentProbe.ExpectMsgAsync("PreStart");
        Watch(parent);
        Watch(child);

        child.Tell("fail", null);

        // The grandparent's Stop applies to the parent, which stops its child first.
        await grandparentProbe.ExpectMsgAsync("PostStop");
        var first = await ExpectMsgAsync<Terminated>();
        var second = await ExpectMsgAsync<Terminated>();
        new[] { first.ActorRef, second.ActorRef }.ShouldBe([child, parent], ignoreOrder: true);
    }

    [Fact]
    public async Task All_for_one_restarts_the_siblings_of_a_failing_child()
    {
        var supervisor = SupervisorWith(new AllForOneStrategy(_ => Directive.Restart));
        var probeA = CreateTestProbe();
        var probeB = CreateTestProbe();
        var a = await ChildOf(supervisor, Props.Create(() => new LifecycleActor(probeA.Ref)), "a");
        var b = await ChildOf(supervisor, Props.Create(() => new LifecycleActor(probeB.Ref)), "b");
        await probeA.ExpectMsgAsync("PreStart");
        await probeB.ExpectMsgAsync("PreStart");
        b.Tell("inc", null);

        // Counted before the failure: a restart is a system message, which goes before "inc" if that were still queued.
        (await b.Ask<int>("count", TimeSpan.FromSeconds(3))).ShouldBe(1);
        a.Tell("fail", null);

        await probeA.FishForMessageAsync<string>(s => s == "PostRestart");
        await probeB.FishForMessageAsync<string>(s => s == "PostRestart");
        (await b.Ask<int>("count", TimeSpan.FromSeconds(3))).ShouldBe(0);
    }

    [Fact]
    public async Task The_default_strategy_stops_an_actor_whose_constructor_throws()
    {
        var broken = Sys.ActorOf(Props.Create(() => new BrokenConstructor()));
        Watch(broken);
        await ExpectTerminatedAsync(broken);
    }

    [Fact]
    public async Task Kill_stops_through_the_default_strategy()
    {
        var child = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)));
        await ExpectMsgAsync("PreStart");
        Watch(child);
        child.Tell(Kill.Instance, null);
        await ExpectMsgAsync("PostStop");
        await ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task A_crashing_child_never_delays_its_siblings_messages()
    {
        var supervisor = SupervisorWith(new OneForOneStrategy(_ => Directive.Restart));
        var crashes = new StrongBox<int>();
        var crasher = await ChildOf(supervisor, Props.Create(() => new Crasher(crashes)), "crasher");
        var sibling = await ChildOf(supervisor, Props.Create<EchoActor>(), "sibling");
        const int crashCount = 5_000;
        for (var i = 0; i < crashCount; i++)
        {
            crasher.Tell("crash", null);
        }

        // The sibling answers while the crasher is still working through its crashes and restarts.
        for (var i = 0; i < 20; i++)
        {
            sibling.Tell(i, TestActor.Ref);
            await ExpectMsgAsync(i);
        }

        Volatile.Read(ref crashes.Value).ShouldBeLessThan(crashCount);
        await AwaitConditionAsync(() => Volatile.Read(ref crashes.Value) == crashCount, "every crash processed", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Failures_are_logged_with_the_directive()
    {
        var logs = CaptureLogs();
        var child = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor.Ref)), "logged");
        child.Tell("fail", null);
        var entry = await logs.FishForMessageAsync<LogEvent>(e => e.EventId.Id == 1001);
        entry.Message.ShouldContain("/user/logged");
        entry.Message.ShouldContain("Restart");
        entry.Exception.ShouldBeOfType<InvalidOperationException>();
    }

    private sealed class BrokenConstructor : ReceiveActor
    {
        public BrokenConstructor() => throw new InvalidOperationException("cannot start");
    }

    private sealed class Crasher : ReceiveActor
    {
        public Crasher(StrongBox<int> crashes) => Receive<string>(_ =>
        {
            Interlocked.Increment(ref crashes.Value);
            throw new InvalidOperationException("crash");
        });
    }
}
