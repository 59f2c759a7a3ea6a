namespace ActorTrading.Actors.Tests;

public sealed class TimerSpecs : TestKitBase
{
    [Fact]
    public async Task A_single_timer_delivers_once_and_a_periodic_timer_repeats()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor.Ref)));
        actor.Tell(("single", "tick", TimeSpan.FromMilliseconds(20)), null);
        await ExpectMsgAsync("tick");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        actor.Tell(("periodic", "beat", TimeSpan.FromMilliseconds(20)), null);
        await ExpectMsgAsync("beat");
        await ExpectMsgAsync("beat");
        await ExpectMsgAsync("beat");
    }

    [Fact]
    public async Task A_cancelled_timer_never_delivers_even_if_its_message_is_already_queued()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor.Ref)));

        // The actor blocks for 100 ms, so the 10 ms timer fires into its mailbox; the cancel behind it wins.
        actor.Tell(("single", "stale", TimeSpan.FromMilliseconds(10)), null);
        actor.Tell("block", null);
        actor.Tell("cancel", null);
        await ExpectMsgAsync("cancelled");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public async Task Timers_are_cancelled_on_restart()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor.Ref)));
        actor.Tell(("periodic", "beat", TimeSpan.FromMilliseconds(20)), null);
        await ExpectMsgAsync("beat");
        actor.Tell("crash", null);
        await FishForMessageAsync<string>(s => s == "restarted");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public async Task The_system_scheduler_tells_later_and_can_be_cancelled()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), TestActor.Ref, "later", null);
        await ExpectMsgAsync("later");
        var cancelable = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TestActor.Ref, "again", null);
        await ExpectMsgAsync("again");
        cancelable.Cancel();
        cancelable.IsCancellationRequested.ShouldBeTrue();

        // Ticks sent before Cancel may still be queued (a loaded machine delays this test); after them the stream
        // must go quiet. A live 10 ms timer would send 50 ticks long before 50 quiet gaps of 200 ms could pass.
        var late = 0;
        while (late < 50)
        {
            try
            {
                await ExpectMsgAsync("again", TimeSpan.FromMilliseconds(200));
                late++;
            }
            catch (TestKitException)
            {
                break;
            }
        }

        late.ShouldBeLessThan(50, "the repeating tell kept coming after Cancel");
    }

    private sealed class TimerActor : ReceiveActor
    {
        public TimerActor(IActorRef probe)
        {
            Receive<(string Kind, string Message, TimeSpan Delay)>(start =>
            {
                if (start.Kind == "single")
                {
                    Timers.StartSingleTimer("key", start.Message, start.Delay);
                }
                else
                {
                    Timers.StartPeriodicTimer("key", start.Message, start.Delay);
                }
            });
            Receive<string>(s => s == "block", _ => Thread.Sleep(100));
            Receive<string>(s => s == "cancel", _ =>
            {
                Timers.Cancel("key");
                Timers.IsTimerActive("key").ShouldBeFalse();
                probe.Tell("cancelled", Self);
            });
            Receive<string>(s => s == "crash", _ => throw new InvalidOperationException("crash"));
            Receive<string>(message => probe.Tell(message, Self));
        }

        protected override void PostRestart(Exception reason) => Self.Tell("restarted", Self);
    }
}
