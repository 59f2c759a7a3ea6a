namespace ActorTrading.Actors.Benchmarks;

/// <summary>The messages of a ping-pong pair, the same for the kernel's actors and the bare mailboxes.</summary>
public static class PingPong
{
    /// <summary>The ball. One instance, so the figures carry no message allocation.</summary>
    public sealed record Ball
    {
        public static readonly Ball Instance = new();

        private Ball()
        {
        }
    }

    /// <summary>Starts a pair: <see cref="RoundTrips"/> balls in all, at most <see cref="Window"/> in flight;
    /// <see cref="Done"/> completes when the last one is back.</summary>
    public sealed record Start(int RoundTrips, int Window, TaskCompletionSource Done);
}

/// <summary>
/// The shared logic of both pingers: send a window of balls, send one more for each that comes back
/// until the share is sent, complete when the last one is back.
/// </summary>
internal struct PingPongProgress
{
    private TaskCompletionSource? _done;
    private int _toSend;
    private int _toReceive;

    /// <summary>Returns how many balls to send now.</summary>
    public int Start(PingPong.Start start)
    {
        _done = start.Done;
        _toReceive = start.RoundTrips;
        var initial = Math.Min(start.Window, start.RoundTrips);
        _toSend = start.RoundTrips - initial;
        return initial;
    }

    /// <summary>A ball came back; returns whether to send it again.</summary>
    public bool Returned()
    {
        if (--_toReceive == 0)
        {
            _done!.TrySetResult();
        }

        if (_toSend == 0)
        {
            return false;
        }

        _toSend--;
        return true;
    }
}

/// <summary>Kernel pinger: plays with one ponger.</summary>
public sealed class PingerActor : ReceiveActor
{
    private readonly IActorRef _ponger;
    private PingPongProgress _progress;

    public PingerActor(IActorRef ponger)
    {
        _ponger = ponger;

        // The hot handler first: a ReceiveActor tries its handlers in declaration order.
        Receive<PingPong.Ball>(ball =>
        {
            if (_progress.Returned())
            {
                _ponger.Tell(ball, Self);
            }
        });
        Receive<PingPong.Start>(start =>
        {
            var initial = _progress.Start(start);
            for (var i = 0; i < initial; i++)
            {
                _ponger.Tell(PingPong.Ball.Instance, Self);
            }
        });
    }
}

/// <summary>Kernel ponger: sends every ball back to its sender.</summary>
public sealed class PongerActor : ReceiveActor
{
    public PongerActor() => Receive<PingPong.Ball>(ball => Sender.Tell(ball, Self));
}

/// <summary>Baseline pinger on a <see cref="BareMailbox"/>; creates its own ponger.</summary>
public sealed class BarePinger : BareMailbox
{
    private readonly BarePonger _ponger;
    private PingPongProgress _progress;

    public BarePinger() => _ponger = new BarePonger(this);

    protected override void Handle(object message)
    {
        if (message is PingPong.Ball ball)
        {
            if (_progress.Returned())
            {
                _ponger.Post(ball);
            }

            return;
        }

        var initial = _progress.Start((PingPong.Start)message);
        for (var i = 0; i < initial; i++)
        {
            _ponger.Post(PingPong.Ball.Instance);
        }
    }
}

/// <summary>Baseline ponger: posts every ball back to its pinger (there is no sender to look at).</summary>
public sealed class BarePonger(BareMailbox pinger) : BareMailbox
{
    protected override void Handle(object message) => pinger.Post(message);
}
