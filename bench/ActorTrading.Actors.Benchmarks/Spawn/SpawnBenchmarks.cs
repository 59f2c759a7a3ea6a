using BenchmarkDotNet.Attributes;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// Spawn cost: <see cref="Actors"/> trivial actors created (by a parent actor, with
/// <c>Context.ActorOf</c>) until every one has run PreStart, i.e. its asynchronous Create has been
/// processed. One operation is one actor, so Mean is the time per actor and Allocated the bytes
/// allocated per actor (garbage included). The parent and its children are stopped after each
/// iteration, outside the measurement. Baseline: allocating as many <see cref="IdleBareMailbox"/>es.
/// Both run one invocation per iteration (10,000 actors or mailboxes), so expect BenchmarkDotNet's
/// MinIterationTime warning, above all for the baseline.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OperationsPerSecondConfig))]
public class SpawnBenchmarks
{
    public const int Actors = 10_000;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(60);

    private readonly LifecycleCounter _started = new();
    private readonly BareMailbox?[] _mailboxes = new BareMailbox?[Actors];
    private ActorSystem? _system;
    private Props? _childProps;
    private IActorRef _spawner = ActorRefs.Nobody;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("spawn");
        _childProps = Props.Create(() => new IdleActor(_started));
    }

    [GlobalCleanup]
    public void Cleanup() => _system?.Terminate().Wait(s_stuckAfter);

    // Both benchmarks get the iteration setup and cleanup, although only the kernel needs them:
    // BenchmarkDotNet runs a benchmark with iteration hooks at one invocation per iteration, and two
    // benchmarks with different run settings would not be compared (no Ratio).
    [IterationSetup]
    public void CreateSpawner()
    {
        var childProps = _childProps!;
        _spawner = _system!.ActorOf(Props.Create(() => new SpawnerActor(childProps)));
        _spawner.Ask<ActorIdentity>(new Identify(null), s_stuckAfter).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void StopSpawner()
    {
        Array.Clear(_mailboxes);
        if (!_spawner.GracefulStop(s_stuckAfter).GetAwaiter().GetResult())
        {
            throw new TimeoutException($"the spawner and its children did not stop within {s_stuckAfter}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Actors)]
    public BareMailbox?[] AllocateBareMailboxes()
    {
        for (var i = 0; i < _mailboxes.Length; i++)
        {
            _mailboxes[i] = new IdleBareMailbox();
        }

        return _mailboxes;
    }

    [Benchmark(OperationsPerInvoke = Actors)]
    public Task SpawnIdleActors()
    {
        var started = _started.Expect(Actors);
        _spawner.Tell(new Spawner.SpawnChildren(Actors), ActorRefs.NoSender);
        return started.WaitAsync(s_stuckAfter);
    }
}
