namespace ActorTrading.Actors.Tests;

public sealed class StashSpecs : TestKitBase
{
    [Fact]
    public async Task Stashed_messages_survive_Become_and_come_back_first_in_order()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor.Ref)));
        gate.Tell("a", null);
        gate.Tell("b", null);
        gate.Tell("open", null);
        gate.Tell("c", null);
        await ExpectMsgAsync("a");
        await ExpectMsgAsync("b");
        await ExpectMsgAsync("c");
    }

    [Fact]
    public async Task A_restart_puts_stashed_messages_back_in_the_mailbox()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor.Ref)));
        gate.Tell("a", null);
        gate.Tell("b", null);
        gate.Tell("crash", null);
        gate.Tell("open", null);
        await ExpectMsgAsync("a");
        await ExpectMsgAsync("b");
    }

    /// <summary>Stashes everything until "open", then relays.</summary>
    private sealed class Gate : ReceiveActor
    {
        public Gate(IActorRef probe)
        {
            Receive<string>(s => s == "open", _ => Become(() => ReceiveAny(message => probe.Tell(message, Self))) );
            Receive<string>(s => s == "crash", _ => throw new InvalidOperationException("crash"));
            ReceiveAny(_ => Stash.Stash());
        }

        protected override void PostRestart(Exception reason)
        {
        }

        private new void Become(Action configure)
        {
            base.Become(configure);
            Stash.UnstashAll();
        }
    }
}
