using BenchmarkDotNet.Attributes;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// Tell throughput: <see cref="Pairs"/> ping-pong pairs share <see cref="MessagesPerInvocation"/>
/// messages (a ball going out and coming back is two messages), each pair keeping
/// <see cref="WindowPerPair"/> balls in flight. One operation is one message, so Mean is the time per
/// message across all pairs and the Msg/s column the aggregate throughput.
/// Baseline: the same game on <see cref="BareMailbox"/>. <see cref="ActorPingPongOnDedicatedDispatcher"/> plays it with
/// the actors on a dispatcher with threads of their own (one per processor) instead of the thread pool.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OperationsPerSecondConfig))]
public class TellThroughputBenchmarks
{
    public const int MessagesPerInvocation = 2_000_000;
    public const int WindowPerPair = 100;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_warmUpFor = TimeSpan.FromSeconds(1);

    private ActorSystem? _system;
    private IActorRef[] _pingers = [];
    private BarePinger[] _barePingers = [];
    private Task[] _done = [];
    private int _roundTripsPerPair;

    [Params(1, 2, 8, 1000)]
    public int Pairs { get; set; }

    [GlobalSetup(Target = nameof(BareMailboxPingPong))]
    public void SetupBare()
    {
        Setup();
        WarmUp(BareMailboxPingPong);
    }

    [GlobalSetup(Target = nameof(ActorPingPong))]
    public void SetupActors()
    {
        Setup();
        WarmUp(ActorPingPong);
    }

    [GlobalSetup(Target = nameof(ActorPingPongOnDedicatedDispatcher))]
    public void SetupActorsOnDedicatedDispatcher()
    {
        Setup(DedicatedDispatcher);
        WarmUp(ActorPingPongOnDedicatedDispatcher);
    }

    private const string DedicatedDispatcher = "dedicated";

    private void Setup(string? dispatcher = null)
    {
        if (MessagesPerInvocation % (2 * Pairs) != 0)
        {
            throw new InvalidOperationException($"{MessagesPerInvocation} messages do not split evenly over {Pairs} pairs");
        }

        _roundTripsPerPair = MessagesPerInvocation / (2 * Pairs);
        _done = new Task[Pairs];
        _system = ActorSystem.Create("tell-throughput", new ActorSystemSettings
        {
            Dispatchers = new Dictionary<string, int> { [DedicatedDispatcher] = Environment.ProcessorCount },
        });
        _pingers = new IActorRef[Pairs];
        _barePingers = new BarePinger[Pairs];
        for (var i = 0; i < Pairs; i++)
        {
            var ponger = _system.ActorOf(Props.Create(() => new PongerActor()) with { Dispatcher = dispatcher }, $"ponger-{i}");
            _pingers[i] = _system.ActorOf(Props.Create(() => new PingerActor(ponger)) with { Dispatcher = dispatcher }, $"pinger-{i}");
            _barePingers[i] = new BarePinger();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _system?.Terminate().Wait(s_stuckAfter);

    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerInvocation)]
    public Task BareMailboxPingPong()
    {
        for (var i = 0; i < _barePingers.Length; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _done[i] = done.Task;
            _barePingers[i].Post(new PingPong.Start(_roundTripsPerPair, WindowPerPair, done));
        }

        return WhenAllDone();
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public Task ActorPingPong()
    {
        for (var i = 0; i < _pingers.Length; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _done[i] = done.Task;
            _pingers[i].Tell(new PingPong.Start(_roundTripsPerPair, WindowPerPair, done), ActorRefs.NoSender);
        }

        return WhenAllDone();
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public Task ActorPingPongOnDedicatedDispatcher() => ActorPingPong();

    /// <summary>
    /// Plays for a while before BenchmarkDotNet's first (jitting) invocation. Without it that invocation
    /// runs on tier-0 code, takes several times the steady state, and BenchmarkDotNet concludes that one
    /// invocation per iteration is enough, which leaves iterations too short to be stable.
    /// </summary>
    private static void WarmUp(Func<Task> play)
    {
        var until = DateTime.UtcNow + s_warmUpFor;
        do
        {
            play().GetAwaiter().GetResult();
        }
        while (DateTime.UtcNow < until);
    }

    // A lost message would otherwise hang the run forever; this turns it into a failed benchmark.
    private Task WhenAllDone() => Task.WhenAll(_done).WaitAsync(s_stuckAfter);
}
