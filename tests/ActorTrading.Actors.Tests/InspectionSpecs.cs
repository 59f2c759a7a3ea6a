using Microsoft.Extensions.Time.Testing;

namespace ActorTrading.Actors.Tests;

/// <summary>ActorInspection: the tree under an actor and its mailbox depth, read without a message; the system's uptime.</summary>
public sealed class InspectionSpecs : TestKitBase
{
    [Fact]
    public async Task The_tree_is_walked_from_the_root_guardian_with_children_in_name_order()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent("zeta", "alpha", "mid")), "parent");
        (await parent.Ask<string>("ready?", TimeSpan.FromSeconds(3))).ShouldBe("ready");

        var root = ActorInspection.RootGuardian(Sys);
        root.Path.ToStringWithoutAddress().ShouldBe("/");
        ActorInspection.GetChildren(root).Select(child => child.Path.Name).ShouldBe(["system", "user"]);
        var user = ActorInspection.GetChildren(root).Single(child => child.Path.Name == "user");
        ActorInspection.GetChildren(user).ShouldContain(parent);
        ActorInspection.GetChildren(parent).Select(child => child.Path.ToStringWithoutAddress())
            .ShouldBe(["/user/parent/alpha", "/user/parent/mid", "/user/parent/zeta"]);
        ActorInspection.GetChildren(ActorInspection.GetChildren(parent)[0]).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_stopped_child_is_no_longer_listed_and_a_ref_of_no_local_actor_has_no_children_nor_mailbox()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent("one", "two")), "parent");
        (await parent.Ask<string>("ready?", TimeSpan.FromSeconds(3))).ShouldBe("ready");
        var one = ActorInspection.GetChildren(parent)[0];
        Watch(one);

        Sys.Stop(one);
        await ExpectTerminatedAsync(one);

        ActorInspection.GetChildren(parent).Select(child => child.Path.Name).ShouldBe(["two"]);
        ActorInspection.GetChildren(one).ShouldBeEmpty();
        ActorInspection.GetChildren(Sys.DeadLetters).ShouldBeEmpty();
        ActorInspection.NumberOfMessages(Sys.DeadLetters).ShouldBeNull();
        ActorInspection.NumberOfMessages(ActorRefs.Nobody).ShouldBeNull();
    }

    [Fact]
    public async Task The_mailbox_depth_counts_the_messages_waiting_behind_a_busy_turn()
    {
        using var release = new SemaphoreSlim(0);
        var busy = Sys.ActorOf(Props.Create(() => new Blocking(release, TestActor.Ref)), "busy");
        ActorInspection.NumberOfMessages(busy).ShouldBe(0);

        busy.Tell("block", null);
        await ExpectMsgAsync("blocked");
        busy.Tell("a", null);
        busy.Tell("b", null);
        busy.Tell("c", null);

        ActorInspection.NumberOfMessages(busy).ShouldBe(3);
        release.Release();
        await AwaitConditionAsync(() => ActorInspection.NumberOfMessages(busy) == 0, "the mailbox drained");
    }

    [Fact]
    public async Task Uptime_is_measured_by_the_systems_clock_from_its_creation()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero));
        await using var system = ActorSystem.Create("inspected", new ActorSystemSettings { TimeProvider = clock });

        system.StartTime.ShouldBe(new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero));
        system.Uptime.ShouldBe(TimeSpan.Zero);
        clock.Advance(TimeSpan.FromMinutes(90));
        system.Uptime.ShouldBe(TimeSpan.FromMinutes(90));
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent(params string[] children)
        {
            foreach (var child in children)
            {
                Context.ActorOf(Props.Create(() => new EchoActor()), child);
            }

            Receive<string>(_ => Sender.Tell("ready", Self));
        }
    }

    // Holds its turn until released, so that what is told meanwhile waits in its mailbox.
    private sealed class Blocking : ReceiveActor
    {
        public Blocking(SemaphoreSlim release, IActorRef probe)
        {
            Receive<string>(s => s == "block", _ =>
            {
                probe.Tell("blocked", Self);
                release.Wait(TimeSpan.FromSeconds(10));
            });
            ReceiveAny(_ => { });
        }
    }
}
