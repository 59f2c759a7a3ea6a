using System.Collections.Concurrent;

namespace ActorTrading.Actors;

/// <summary>
/// Stops a system in ordered phases, each running its registered tasks concurrently under a timeout,
/// then terminates the actor system. The phase names are Akka's, so that the host, sharding and the
/// cluster hook in where an Akka.NET reader expects (for example sharding hands off its shards in
/// <see cref="PhaseClusterShardingShutdownRegion"/>, before the node leaves the cluster).
/// </summary>
public sealed class CoordinatedShutdown
{
    /// <summary>Before the node stops taking new work.</summary>
    public const string PhaseBeforeServiceUnbind = "before-service-unbind";

    /// <summary>Stop accepting connections (HTTP ingress).</summary>
    public const string PhaseServiceUnbind = "service-unbind";

    /// <summary>Wait for requests in flight.</summary>
    public const string PhaseServiceRequestsDone = "service-requests-done";

    /// <summary>Stop services.</summary>
    public const string PhaseServiceStop = "service-stop";

    /// <summary>Before the cluster part.</summary>
    public const string PhaseBeforeClusterShutdown = "before-cluster-shutdown";

    /// <summary>Shard regions hand off their shards.</summary>
    public const string PhaseClusterShardingShutdownRegion = "cluster-sharding-shutdown-region";

    /// <summary>The node leaves the cluster.</summary>
    public const string PhaseClusterLeave = "cluster-leave";

    /// <summary>The node is exiting.</summary>
    public const string PhaseClusterExiting = "cluster-exiting";

    /// <summary>Exiting is done.</summary>
    public const string PhaseClusterExitingDone = "cluster-exiting-done";

    /// <summary>Cluster services stop.</summary>
    public const string PhaseClusterShutdown = "cluster-shutdown";

    /// <summary>Last chance before the actors stop.</summary>
    public const string PhaseBeforeActorSystemTerminate = "before-actor-system-terminate";

    /// <summary>The actor system terminates.</summary>
    public const string PhaseActorSystemTerminate = "actor-system-terminate";

    private static readonly string[] Phases =
    [
        PhaseBeforeServiceUnbind, PhaseServiceUnbind, PhaseServiceRequestsDone, PhaseServiceStop,
        PhaseBeforeClusterShutdown, PhaseClusterShardingShutdownRegion, PhaseClusterLeave, PhaseClusterExiting,
        PhaseClusterExitingDone, PhaseClusterShutdown, PhaseBeforeActorSystemTerminate, PhaseActorSystemTerminate,
    ];

    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Name, Func<CancellationToken, Task> Task)>> _tasks = new();
    private Task? _run;

    private CoordinatedShutdown(ActorSystem system) => _system = system;

    /// <summary>Why the shutdown started, once it has.</summary>
    public string? Reason { get; private set; }

    /// <summary>The system's coordinated shutdown.</summary>
    public static CoordinatedShutdown Get(ActorSystem system) => system.GetExtension(static s => new CoordinatedShutdown(s));

    /// <summary>Registers a task in a phase. Tasks of one phase run concurrently; the token fires at the phase timeout.</summary>
    public void AddTask(string phase, string taskName, Func<CancellationToken, Task> task)
    {
        if (!Phases.Contains(phase))
        {
            throw new ArgumentException($"unknown coordinated shutdown phase '{phase}'; known phases: {string.Join(", ", Phases)}", nameof(phase));
        }

        _tasks.GetOrAdd(phase, _ => new()).Enqueue((taskName, task));
    }

    /// <summary>Runs every phase in order and terminates the system; a second call returns the first run.</summary>
    public Task Run(string reason)
    {
        lock (_tasks)
        {
            if (_run is null)
            {
                Reason = reason;
                _run = RunPhases(reason);
            }

            return _run;
        }
    }

    private async Task RunPhases(string reason)
    {
        KernelLog.ShutdownStarted(_system.KernelLogger, _system.Name, reason);
        foreach (var phase in Phases)
        {
            if (!_tasks.TryGetValue(phase, out var tasks) || tasks.IsEmpty)
            {
                continue;
            }

            using var timeout = new CancellationTokenSource(_system.Settings.ShutdownPhaseTimeout, _system.TimeProvider);
            await Task.WhenAll(tasks.Select(task => RunTask(phase, task.Name, task.Task, timeout.Token)));
        }

        await _system.Terminate();
    }

    private async Task RunTask(string phase, string name, Func<CancellationToken, Task> task, CancellationToken timeout)
    {
        try
        {
            await task(timeout).WaitAsync(timeout);
        }
        catch (Exception exception)
        {
            // One task's failure must not keep the node from shutting down.
            KernelLog.ShutdownTaskFailed(_system.KernelLogger, name, phase, exception);
        }
    }
}
