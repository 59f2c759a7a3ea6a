using System.Runtime.CompilerServices;

namespace ActorTrading.Actors.Tests;

public sealed class MessagingSpecs : TestKitBase
{
    private sealed record Numbered(int Sender, int N);

    [Fact]
    public async Task Tell_delivers_with_the_sender_and_ask_gets_the_reply()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "echo");
        echo.Tell("hello", TestActor.Ref);
        (await ExpectMsgAsync<string>()).ShouldBe("hello");
        TestActor.LastSender.ShouldBe(echo);

        (await echo.Ask<string>("ping", TimeSpan.FromSeconds(3))).ShouldBe("ping");
    }

    [Fact]
    public async Task Messages_from_one_sender_to_one_receiver_arrive_in_the_order_sent_even_with_many_senders()
    {
        var collector = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new ForwardTo(collector.Ref)));
        const int senders = 8;
        const int perSender = 2_000;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(() =>
        {
            for (var n = 0; n < perSender; n++)
            {
                echo.Tell(new Numbered(s, n), null);
            }
        })));

        var next = new int[senders];
        for (var i = 0; i < senders * perSender; i++)
        {
            var message = await collector.ExpectMsgAsync<Numbered>();
            message.N.ShouldBe(next[message.Sender], $"sender {message.Sender} out of order");
            next[message.Sender]++;
        }
    }

    [Fact]
    public async Task An_actor_processes_one_message_at_a_time()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ConcurrencyDetector()));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                actor.Tell("work", null);
            }
        })));

        var result = await actor.Ask<(int Processed, int MaxConcurrent)>("report", TimeSpan.FromSeconds(5));
        result.Processed.ShouldBe(20_000);
        result.MaxConcurrent.ShouldBe(1);
    }

    [Fact]
    public async Task A_processed_message_is_not_kept_alive_by_the_mailbox()
    {
        // Ten thousand idle entities would otherwise each hold their last messages, and every message of a fan-out would
        // survive the collections that run during it.
        // One message per turn, the first held until all are queued: every turn ends with messages waiting, which is
        // when the mailbox looks at its queue.
        using var allQueued = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new Acknowledger(allQueued)) with { Throughput = 1 });
        var sent = TellPayloads(actor, 3);
        allQueued.Set();
        for (var i = 0; i < 3; i++)
        {
            await ExpectMsgAsync("done");
        }

        // Once a later message is answered, the cell has let go of the earlier ones as well.
        (await actor.Ask<string>("ping", TimeSpan.FromSeconds(3))).ShouldBe("done");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        sent.Count(payload => payload.IsAlive).ShouldBe(0, "processed messages still reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference[] TellPayloads(IActorRef actor, int count)
    {
        var payloads = Enumerable.Range(0, count).Select(n => new Numbered(0, n)).ToArray();
        foreach (var payload in payloads)
        {
            actor.Tell(payload, TestActor.Ref);
        }

        return [.. payloads.Select(payload => new WeakReference(payload))];
    }

    [Fact]
    public async Task Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        var forwarder = Sys.ActorOf(Props.Create(() => new Forwarder(echo)));
        forwarder.Tell("via", TestActor.Ref);
        await ExpectMsgAsync("via");
        TestActor.LastSender.ShouldBe(echo);
    }

    [Fact]
    public async Task Ask_times_out_with_a_clear_error_when_nobody_answers()
    {
        var silent = Sys.ActorOf(Props.Create(() => new ForwardTo(ActorRefs.Nobody)));
        var error = await Should.ThrowAsync<AskTimeoutException>(() => silent.Ask<string>("hello?", TimeSpan.FromMilliseconds(100)));
        error.Message.ShouldContain("no answer within 100 ms");
    }

    [Fact]
    public async Task Ask_throws_the_cause_of_a_failure_reply()
    {
        var failing = Sys.ActorOf(Props.Create(() => new FailureReplier()));
        var error = await Should.ThrowAsync<InvalidOperationException>(() => failing.Ask<string>("x", TimeSpan.FromSeconds(3)));
        error.Message.ShouldBe("not today");
    }

    [Fact]
    public async Task Ask_with_reply_to_puts_the_reply_address_in_the_message()
    {
        var replier = Sys.ActorOf(Props.Create(() => new ReplyToActor()));
        (await replier.Ask<string>(replyTo => new Question("q", replyTo), TimeSpan.FromSeconds(3))).ShouldBe("answer to q");
    }

    [Fact]
    public async Task Messages_to_a_stopped_actor_become_dead_letters()
    {
        var deadLetters = CaptureDeadLetters();
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        Sys.Stop(echo);
        await ExpectTerminatedAsync(echo);

        echo.Tell("too late", TestActor.Ref);
        var deadLetter = await deadLetters.FishForMessageAsync<DeadLetter>(d => d.Message is "too late");
        deadLetter.Recipient.ShouldBe(echo);
        deadLetter.Sender.ShouldBe(TestActor.Ref);
        Sys.DeadLetterCount.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Unhandled_messages_are_published()
    {
        var unhandled = Subscribe<UnhandledMessage>();
        var actor = Sys.ActorOf(Props.Create(() => new ReplyToActor()));
        actor.Tell(42, TestActor.Ref);
        (await unhandled.ExpectMsgAsync<UnhandledMessage>()).Message.ShouldBe(42);
    }

    [Fact]
    public async Task Identify_answers_with_the_actor_ref()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "identified");
        echo.Tell(new Identify("id-1"), TestActor.Ref);
        var identity = await ExpectMsgAsync<ActorIdentity>();
        identity.MessageId.ShouldBe("id-1");
        identity.Subject.ShouldBe(echo);
    }

    [Fact]
    public void Actor_names_are_validated_and_unique_among_siblings()
    {
        Sys.ActorOf(Props.Create<EchoActor>(), "unique");
        Should.Throw<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "unique"));
        Should.Throw<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "with space"))
            .Message.ShouldContain("' '");
        Should.Throw<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "$reserved"));
    }

    [Fact]
    public void An_actor_cannot_be_created_with_new()
    {
        Should.Throw<ActorException>(() => new EchoActor()).Message.ShouldContain("Props");
    }

    private sealed record Question(string Text, IActorRef ReplyTo);

    private sealed class ForwardTo : ReceiveActor
    {
        public ForwardTo(IActorRef target) => ReceiveAny(message => target.Tell(message, Sender));
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(message => target.Forward(message));
    }

    private sealed class FailureReplier : ReceiveActor
    {
        public FailureReplier() => ReceiveAny(_ => Sender.Tell(new Status.Failure(new InvalidOperationException("not today")), Self));
    }

    private sealed class Acknowledger : ReceiveActor
    {
        public Acknowledger(ManualResetEventSlim gate) => ReceiveAny(_ =>
        {
            gate.Wait(TimeSpan.FromSeconds(5));
            Sender.Tell("done", Self);
        });
    }

    private sealed class ReplyToActor : ReceiveActor
    {
        public ReplyToActor() => Receive<Question>(q => q.ReplyTo.Tell("answer to " + q.Text, Self));
    }

    private sealed class ConcurrencyDetector : ReceiveActor
    {
        private int _inside;
        private int _max;
        private int _processed;

        public ConcurrencyDetector()
        {
            Receive<string>(s => s == "report", _ => Sender.Tell((_processed, _max), Self));
            Receive<string>(_ =>
            {
                var now = Interlocked.Increment(ref _inside);
                _max = Math.Max(_max, now);
                Thread.SpinWait(20);
                _processed++;
                Interlocked.Decrement(ref _inside);
            });
        }
    }
}
