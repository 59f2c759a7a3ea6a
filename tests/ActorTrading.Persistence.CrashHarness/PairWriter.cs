using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;

namespace ActorTrading.Persistence.CrashHarness;

/// <summary>Told about every pair the journal has acknowledged. Called from actor threads, concurrently.</summary>
public interface IAckSink
{
    /// <summary>The pair ending at <paramref name="sequenceNr"/> of <paramref name="persistenceId"/> is durable.</summary>
    void Acknowledged(string persistenceId, long sequenceNr);
}

/// <summary>
/// An entity that, once recovered, persists one atomic pair after another for as long as it lives:
/// each pair is one <c>PersistAll</c>, hence one atomic write of two events, and the next pair is
/// asked for only after both handlers ran. So at any moment at most one write is in flight, a kill
/// can land in the middle of any of them, and an acknowledged pair is one whose write completed.
/// </summary>
public sealed class PairWriter : ReceivePersistentActor
{
    private readonly IAckSink _acks;
    private readonly CancellationToken _stopWriting;
    private long _completedPairs;
    private long? _openPair;

    /// <summary>Creates the entity.</summary>
    /// <param name="persistenceId">Its id in the journal.</param>
    /// <param name="acks">Told about each acknowledged pair.</param>
    /// <param name="stopWriting">Once cancelled, no further pair is started (the load stops).</param>
    public PairWriter(string persistenceId, IAckSink acks, CancellationToken stopWriting = default)
    {
        PersistenceId = persistenceId;
        _acks = acks;
        _stopWriting = stopWriting;
        Recover<FirstHalf>(Apply);
        Recover<SecondHalf>(Apply);

        // A new incarnation (after a kill, a failed write or a restart by its supervisor) picks the loop
        // up where the journal says it stands.
        Recover<RecoveryCompleted>(_ => Self.Tell(WriteNextPair.Instance));
        Command<WriteNextPair>(_ =>
        {
            if (_stopWriting.IsCancellationRequested)
            {
                return;
            }

            var pair = _completedPairs + 1;
            PersistAll<object>([new FirstHalf(pair), new SecondHalf(pair)], e =>
            {
                Apply(e);
                if (e is SecondHalf)
                {
                    _acks.Acknowledged(PersistenceId, LastSequenceNr);
                    Self.Tell(WriteNextPair.Instance);
                }
            });
        });
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>The persistence id of entity number <paramref name="entity"/> of run <paramref name="runId"/>.</summary>
    public static string PersistenceIdFor(string runId, int entity) => $"pairs-{runId}-{entity}";

    private void Apply(object @event)
    {
        switch (@event)
        {
            case FirstHalf first when _openPair is null && first.Pair == _completedPairs + 1:
                _openPair = first.Pair;
                break;
            case SecondHalf second when _openPair == second.Pair:
                _openPair = null;
                _completedPairs = second.Pair;
                break;
            default:
                // A broken history must stop the entity rather than be written on.
                throw new InvalidOperationException(
                    $"{PersistenceId}: {@event} does not follow {_completedPairs} complete pairs (open pair: {_openPair?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        }
    }

    private sealed record WriteNextPair
    {
        public static readonly WriteNextPair Instance = new();
    }
}
