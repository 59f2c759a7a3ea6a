namespace ActorTrading.Actors.Tests;

public sealed class AsyncSpecs : TestKitBase
{
    [Fact]
    public async Task ReceiveAsync_holds_later_messages_until_the_handler_completes_and_keeps_the_sender()
    {
        var actor = Sys.ActorOf(Props.Create(() => new AsyncActor()));
        actor.Tell("slow", TestActor.Ref);
        actor.Tell("fast", TestActor.Ref);
        await ExpectMsgAsync("slow done by the same sender");
        await ExpectMsgAsync("fast");
    }

    [Fact]
    public async Task A_faulted_async_handler_fails_the_actor_like_a_throwing_one()
    {
        var actor = Sys.ActorOf(Props.Create(() => new AsyncActor()));
        Watch(actor);
        actor.Tell("fault", TestActor.Ref);
        actor.Tell("fast", TestActor.Ref);

        // Restarted by the default strategy; the message behind the failure is still processed.
        await ExpectMsgAsync("fast");
    }

    [Fact]
    public async Task PipeTo_delivers_a_task_result_or_its_failure()
    {
        await Task.FromResult(7).PipeTo(TestActor.Ref);
        await ExpectMsgAsync(7);
        await Task.FromException<int>(new InvalidOperationException("x")).PipeTo(TestActor.Ref);
        (await ExpectMsgAsync<Status.Failure>()).Cause.Message.ShouldBe("x");
    }

    [Fact]
    public async Task PipeTo_delivers_once_a_pending_task_completes_and_maps_what_it_delivers()
    {
        var pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var piped = pending.Task.PipeTo(TestActor.Ref, success: n => $"got {n}", failure: e => $"failed: {e.Message}");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        pending.SetResult(3);
        await piped;
        await ExpectMsgAsync("got 3");

        await Task.FromException<int>(new InvalidOperationException("y")).PipeTo(TestActor.Ref, failure: e => $"failed: {e.Message}");
        await ExpectMsgAsync("failed: y");
    }

    private sealed class AsyncActor : ReceiveActor
    {
        public AsyncActor()
        {
            ReceiveAsync<string>(s => s == "slow", async _ =>
            {
                var sender = Sender;
                await Task.Delay(50);
                Sender.Tell(ReferenceEquals(sender, Sender) ? "slow done by the same sender" : "sender lost", Self);
            });
            ReceiveAsync<string>(s => s == "fault", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async boom");
            });
            Receive<string>(s => Sender.Tell(s, Self));
        }
    }
}
