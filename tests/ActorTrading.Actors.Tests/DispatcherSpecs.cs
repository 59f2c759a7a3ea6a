namespace ActorTrading.Actors.Tests;

public sealed class DispatcherSpecs() : TestKitBase(settings: new ActorSystemSettings { Dispatchers = new Dictionary<string, int> { ["crowd"] = 1 } })
{
    [Fact]
    public async Task An_actor_whose_props_name_a_dispatcher_runs_on_its_threads_in_order()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher("crowd"));
        for (var i = 0; i < 100; i++)
        {
            actor.Tell(i, TestActor.Ref);
        }

        for (var i = 0; i < 100; i++)
        {
            (await ExpectMsgAsync<(int N, string? Thread)>()).ShouldBe((i, "actors-crowd-0"));
        }

        var plain = Sys.ActorOf(Props.Create(() => new ThreadReporter()));
        plain.Tell(0, TestActor.Ref);
        (await ExpectMsgAsync<(int N, string? Thread)>()).Thread.ShouldNotBe("actors-crowd-0");
    }

    [Fact]
    public async Task Actors_on_the_thread_pool_answer_while_a_dispatcher_is_held_up()
    {
        using var release = new SemaphoreSlim(0);
        var blocker = Sys.ActorOf(Props.Create(() => new Blocker(release)).WithDispatcher("crowd"));
        blocker.Tell("block", TestActor.Ref);
        await ExpectMsgAsync("blocking");
        var crowd = Enumerable.Range(0, 1_000).Select(_ => Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher("crowd"))).ToList();
        foreach (var member in crowd)
        {
            member.Tell("queued", TestActor.Ref);
        }

        // The crowd's one thread is held: none of it can answer, and an actor on the thread pool still does at once.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        (await echo.Ask<string>("ping", TimeSpan.FromSeconds(3))).ShouldBe("ping");

        release.Release();
        (await TestActor.ReceiveNAsync<string>(1_000, TimeSpan.FromSeconds(10))).ShouldAllBe(m => m == "queued");
    }

    [Fact]
    public void Props_naming_a_dispatcher_the_system_does_not_have_are_refused_with_its_name()
    {
        Should.Throw<ArgumentException>(() => Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher("elsewhere")))
            .Message.ShouldStartWith("no dispatcher 'elsewhere' in this system's settings (it has: crowd)");
        Should.Throw<ArgumentOutOfRangeException>(() => new ActorSystemSettings { Dispatchers = new Dictionary<string, int> { ["none"] = 0 } }.Validate())
            .Message.ShouldContain("Dispatchers['none'] must have a name and 1 to 256 threads");
    }

    [Fact]
    public async Task A_terminated_system_stops_its_dispatchers_threads()
    {
        var threads = new List<Thread>();
        var actor = Sys.ActorOf(Props.Create(() => new ThreadCollector(threads)).WithDispatcher("crowd"));
        (await actor.Ask<int>("which", TimeSpan.FromSeconds(3))).ShouldBe(1);

        await Sys.Terminate();

        threads.Single().IsAlive.ShouldBeFalse();
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => Receive<int>(n => Sender.Tell((n, Thread.CurrentThread.Name), Self));
    }

    private sealed class ThreadCollector : ReceiveActor
    {
        public ThreadCollector(List<Thread> threads) => Receive<string>(_ =>
        {
            threads.Add(Thread.CurrentThread);
            Sender.Tell(threads.Count, Self);
        });
    }

    // Holds its dispatcher's thread until released: a stand-in for a long burst of work queued ahead.
    private sealed class Blocker : ReceiveActor
    {
        public Blocker(SemaphoreSlim release) => Receive<string>(_ =>
        {
            Sender.Tell("blocking", Self);
            release.Wait();
        });
    }
}
