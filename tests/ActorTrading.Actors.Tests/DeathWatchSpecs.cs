namespace ActorTrading.Actors.Tests;

public sealed class DeathWatchSpecs : TestKitBase
{
    [Fact]
    public async Task A_watcher_receives_Terminated_when_the_watched_actor_stops()
    {
        var watched = Sys.ActorOf(Props.Create<EchoActor>());
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor.Ref)));
        watcher.Tell(watched, null);
        await ExpectMsgAsync("watching");
        Sys.Stop(watched);
        (await ExpectMsgAsync<Terminated>()).ActorRef.ShouldBe(watched);
    }

    [Fact]
    public async Task Watching_an_actor_that_is_already_dead_gives_Terminated_at_once()
    {
        var watched = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(watched);
        Sys.Stop(watched);
        await ExpectTerminatedAsync(watched);

        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor.Ref)));
        watcher.Tell(watched, null);
        await ExpectMsgAsync("watching");
        (await ExpectMsgAsync<Terminated>()).ActorRef.ShouldBe(watched);
    }

    [Fact]
    public async Task After_unwatch_no_Terminated_arrives()
    {
        var watched = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(watched);
        TestActor.Unwatch(watched);
        Sys.Stop(watched);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_unhandled_Terminated_fails_the_watcher_with_a_death_pact()
    {
        var watched = Sys.ActorOf(Props.Create<EchoActor>());
        var pact = Sys.ActorOf(Props.Create(() => new PactActor(watched)));
        Watch(pact);
        Sys.Stop(watched);

        // The default strategy stops on DeathPactException.
        await ExpectTerminatedAsync(pact);
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef probe)
        {
            Receive<IActorRef>(target =>
            {
                Context.Watch(target);
                probe.Tell("watching", Self);
            });
            Receive<Terminated>(terminated => probe.Tell(terminated, Self));
        }
    }

    private sealed class PactActor : ReceiveActor
    {
        public PactActor(IActorRef watched)
        {
            Context.Watch(watched);
            Receive<string>(_ => { });
        }
    }
}
