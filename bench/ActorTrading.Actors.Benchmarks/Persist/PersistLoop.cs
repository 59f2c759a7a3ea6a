using ActorTrading.Actors.Persistence;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// What the actors of <c>persist-throughput</c> share with the harness: a stop flag, one counter per
/// actor (each on its own cache line, written only by its actor, summed by the harness at the start
/// and the end of the measured window) and the counters that say when all have started and stopped.
/// </summary>
public sealed class PersistLoop
{
    /// <summary>Longs per counter slot: 64 bytes, so that two actors never write to one cache line.</summary>
    private const int Padding = 8;

    private readonly long[] _counts;
    private volatile bool _stopping;

    public PersistLoop(int actors)
    {
        Actors = actors;
        _counts = new long[actors * Padding];
    }

    public int Actors { get; }

    /// <summary>Signalled once by each actor when it handles its first command.</summary>
    public LifecycleCounter Started { get; } = new();

    /// <summary>Signalled once by each actor when it has seen <see cref="Stopping"/> and nothing of its is in flight.</summary>
    public LifecycleCounter Stopped { get; } = new();

    public bool Stopping => _stopping;

    public void Stop() => _stopping = true;

    /// <summary>Events applied so far by actor <paramref name="index"/> (only that actor calls this).</summary>
    public void Applied(int index, long total) => Volatile.Write(ref _counts[index * Padding], total);

    /// <summary>Events applied so far by all actors.</summary>
    public long Total()
    {
        long total = 0;
        for (var i = 0; i < Actors; i++)
        {
            total += Volatile.Read(ref _counts[i * Padding]);
        }

        return total;
    }
}

/// <summary>The messages of <c>persist-throughput</c>; single instances, so the figures carry no message allocation.</summary>
public static class PersistLoopMessages
{
    /// <summary>The command: apply one more event.</summary>
    public sealed record Next
    {
        public static readonly Next Instance = new();

        private Next()
        {
        }
    }

    /// <summary>The event.</summary>
    public sealed record Incremented
    {
        public static readonly Incremented Instance = new();

        private Incremented()
        {
        }
    }
}

/// <summary>Baseline: the same work without persistence. Each command increments the state and tells the next one to itself.</summary>
public sealed class CountingActor : ReceiveActor
{
    private long _state;

    public CountingActor(PersistLoop loop, int index)
    {
        Receive<PersistLoopMessages.Next>(next =>
        {
            if (_state == 0)
            {
                loop.Started.Signal();
            }

            if (loop.Stopping)
            {
                loop.Stopped.Signal();
                return;
            }

            _state++;
            loop.Applied(index, _state);
            Self.Tell(next, Self);
        });
    }
}

/// <summary>
/// <c>Persist</c>: each command persists one event; its handler increments the state and tells the next
/// command, so one write per actor is in flight and commands never wait in the internal stash.
/// </summary>
public sealed class PersistingActor : ReceivePersistentActor
{
    private readonly PersistLoop _loop;
    private readonly int _index;
    private readonly Action<PersistLoopMessages.Incremented> _onPersisted;
    private long _state;
    private bool _started;

    public PersistingActor(string persistenceId, PersistLoop loop, int index)
    {
        PersistenceId = persistenceId;
        _loop = loop;
        _index = index;
        _onPersisted = OnPersisted;
        Recover<PersistLoopMessages.Incremented>(_ => _state++);
        Command<PersistLoopMessages.Next>(_ =>
        {
            if (!_started)
            {
                _started = true;
                _loop.Started.Signal();
            }

            if (_loop.Stopping)
            {
                _loop.Stopped.Signal();
                return;
            }

            Persist(PersistLoopMessages.Incremented.Instance, _onPersisted);
        });
    }

    public override string PersistenceId { get; }

    private void OnPersisted(PersistLoopMessages.Incremented incremented)
    {
        _state++;
        _loop.Applied(_index, _state);
        Self.Tell(PersistLoopMessages.Next.Instance, Self);
    }
}

/// <summary>
/// <c>PersistAsync</c>: each command persists one event and tells the next command at once, without
/// waiting for the handler; events persisted while a write is in flight form the next write. At most
/// <see cref="MaxUnconfirmed"/> events per actor wait for their handler (the next command then waits
/// for one), so a slow journal cannot make the queue grow without bound.
/// </summary>
public sealed class PersistingAsyncActor : ReceivePersistentActor
{
    public const int MaxUnconfirmed = 1_000;

    private readonly PersistLoop _loop;
    private readonly int _index;
    private readonly Action<PersistLoopMessages.Incremented> _onPersisted;
    private long _state;
    private int _unconfirmed;
    private bool _started;
    private bool _waitingForRoom;
    private bool _commandsEnded;

    public PersistingAsyncActor(string persistenceId, PersistLoop loop, int index)
    {
        PersistenceId = persistenceId;
        _loop = loop;
        _index = index;
        _onPersisted = OnPersisted;
        Recover<PersistLoopMessages.Incremented>(_ => _state++);
        Command<PersistLoopMessages.Next>(next =>
        {
            if (!_started)
            {
                _started = true;
                _loop.Started.Signal();
            }

            if (_loop.Stopping)
            {
                _commandsEnded = true;
                if (_unconfirmed == 0)
                {
                    _loop.Stopped.Signal();
                }

                return;
            }

            _unconfirmed++;
            PersistAsync(PersistLoopMessages.Incremented.Instance, _onPersisted);
            if (_unconfirmed < MaxUnconfirmed)
            {
                Self.Tell(next, Self);
            }
            else
            {
                _waitingForRoom = true;
            }
        });
    }

    public override string PersistenceId { get; }

    private void OnPersisted(PersistLoopMessages.Incremented incremented)
    {
        _unconfirmed--;
        _state++;
        _loop.Applied(_index, _state);
        if (_waitingForRoom)
        {
            _waitingForRoom = false;
            Self.Tell(PersistLoopMessages.Next.Instance, Self);
        }
        else if (_commandsEnded && _unconfirmed == 0)
        {
            _loop.Stopped.Signal();
        }
    }
}
