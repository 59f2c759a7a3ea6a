using System.Diagnostics;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// What the entities of a load share with the harness: the phase (measuring or not, stopping), one
/// counter and one latency list per entity (each written only by its entity), and countdowns that
/// say when all have started and when all are idle again.
/// </summary>
public sealed class LoadControl
{
    /// <summary>Longs per counter slot: 64 bytes, so that two entities never write to one cache line.</summary>
    private const int Padding = 8;

    private readonly long[] _applied;
    private readonly List<long>[] _latencies;
    private volatile bool _measuring;
    private volatile bool _stopping;
    private int _failures;

    public LoadControl(int entities)
    {
        Entities = entities;
        _applied = new long[entities * Padding];
        _latencies = [.. Enumerable.Range(0, entities).Select(_ => new List<long>())];
        Started = new Countdown(entities);
        Drained = new Countdown(entities);
    }

    public int Entities { get; }

    /// <summary>Completes when every entity has recovered and handled its first command (or failed).</summary>
    public Countdown Started { get; }

    /// <summary>Completes when every entity has seen <see cref="Stopping"/> with no write in flight (or failed).</summary>
    public Countdown Drained { get; }

    public bool Measuring
    {
        get => _measuring;
        set => _measuring = value;
    }

    public bool Stopping => _stopping;

    public int Failures => Volatile.Read(ref _failures);

    public void Stop() => _stopping = true;

    /// <summary>Entity <paramref name="index"/> has applied <paramref name="total"/> events; the last took
    /// <paramref name="latencyTicks"/> from its command to its handler.</summary>
    public void Persisted(int index, long total, long latencyTicks)
    {
        Volatile.Write(ref _applied[index * Padding], total);
        if (_measuring)
        {
            _latencies[index].Add(latencyTicks);
        }
    }

    public void Failed() => Interlocked.Increment(ref _failures);

    /// <summary>Events acknowledged (persisted and handled) so far, all entities.</summary>
    public long TotalPersisted()
    {
        long total = 0;
        for (var i = 0; i < Entities; i++)
        {
            total += Volatile.Read(ref _applied[i * Padding]);
        }

        return total;
    }

    /// <summary>The latencies recorded while measuring; call once the entities are drained.</summary>
    public Percentiles Latencies() => Percentiles.OfTicksAsMilliseconds(_latencies.SelectMany(list => list));

    /// <summary>Counts signals down to zero.</summary>
    public sealed class Countdown(int count)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = count;

        public Task Task => _done.Task;

        public void Signal()
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>Now, in <see cref="Stopwatch"/> ticks.</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
