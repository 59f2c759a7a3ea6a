using BenchmarkDotNet.Attributes;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// Ask round trip: <see cref="AsksPerInvocation"/> sequential
/// <c>await echo.Ask&lt;object&gt;(message, 5 s)</c>; one operation is one round trip, so Mean is the
/// mean latency. Baseline: <see cref="BareRoundTrip"/>, the same two thread-pool hops with a bare
/// <see cref="TaskCompletionSource{TResult}"/>. For percentiles run the <c>ask-latency</c> harness mode.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OperationsPerSecondConfig))]
public class AskLatencyBenchmarks
{
    public const int AsksPerInvocation = 1_000;

    private static readonly TimeSpan s_askTimeout = TimeSpan.FromSeconds(5);

    private readonly object _message = new();
    private ActorSystem? _system;
    private IActorRef _echo = ActorRefs.Nobody;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("ask-latency");
        _echo = _system.ActorOf(Props.Create(() => new EchoActor()), "echo");
        _echo.Ask<object>(_message, s_askTimeout).GetAwaiter().GetResult();

        // Tier-0 code would otherwise make the first invocations unrepresentative (see TellThroughputBenchmarks).
        for (var i = 0; i < 50; i++)
        {
            BareTcsRoundTrip().GetAwaiter().GetResult();
            AskRoundTrip().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _system?.Terminate().Wait(TimeSpan.FromSeconds(30));

    [Benchmark(Baseline = true, OperationsPerInvoke = AsksPerInvocation)]
    public async Task<object> BareTcsRoundTrip()
    {
        var reply = _message;
        for (var i = 0; i < AsksPerInvocation; i++)
        {
            reply = await BareRoundTrip.RunAsync(reply);
        }

        return reply;
    }

    [Benchmark(OperationsPerInvoke = AsksPerInvocation)]
    public async Task<object> AskRoundTrip()
    {
        var reply = _message;
        for (var i = 0; i < AsksPerInvocation; i++)
        {
            reply = await _echo.Ask<object>(reply, s_askTimeout);
        }

        return reply;
    }
}
