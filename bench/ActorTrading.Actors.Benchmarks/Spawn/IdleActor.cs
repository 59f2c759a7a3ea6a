namespace ActorTrading.Actors.Benchmarks;

/// <summary>A trivial actor: one handler that ignores everything, no state of its own but the counter
/// it signals when started (null in the memory harness).</summary>
public sealed class IdleActor : ReceiveActor
{
    private readonly LifecycleCounter? _started;

    public IdleActor(LifecycleCounter? started = null)
    {
        _started = started;
        ReceiveAny(static _ => { });
    }

    protected override void PreStart() => _started?.Signal();
}

/// <summary>The messages of <see cref="SpawnerActor"/>.</summary>
public static class Spawner
{
    /// <summary>Creates <see cref="Count"/> children.</summary>
    public sealed record SpawnChildren(int Count);
}

/// <summary>Creates children on request; stopping it stops them all, and it is stopped only once they are.</summary>
public sealed class SpawnerActor : ReceiveActor
{
    public SpawnerActor(Props childProps) =>
        Receive<Spawner.SpawnChildren>(spawn =>
        {
            for (var i = 0; i < spawn.Count; i++)
            {
                Context.ActorOf(childProps);
            }
        });
}
