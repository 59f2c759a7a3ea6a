namespace ActorTrading.Persistence.CrashTests;

/// <summary>The state a fresh incarnation rebuilds from the journal.</summary>
public sealed record RecoveredState(long CompletedPairs, long? OpenPair, long LastSequenceNr, IReadOnlyList<string> Anomalies);

public sealed record GetRecoveredState
{
    public static readonly GetRecoveredState Instance = new();
}

/// <summary>
/// An entity with the harness's persistence id and event types that only recovers and reports. It folds
/// the events itself, apart from <see cref="PairWriter"/>, so that a fault there cannot hide its own trace;
/// it notes anomalies instead of failing, so that the test can say what is wrong.
/// </summary>
internal sealed class RecoveredPairs : ReceivePersistentActor
{
    private readonly List<string> _anomalies = [];
    private long _completedPairs;
    private long? _openPair;

    public RecoveredPairs(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<FirstHalf>(first =>
        {
            if (_openPair is not null || first.Pair != _completedPairs + 1)
            {
                _anomalies.Add($"#{LastSequenceNr} {first} after {_completedPairs} pairs (open: {_openPair})");
            }

            _openPair = first.Pair;
        });
        Recover<SecondHalf>(second =>
        {
            if (_openPair != second.Pair)
            {
                _anomalies.Add($"#{LastSequenceNr} {second} with open pair {_openPair}");
            }

            _openPair = null;
            _completedPairs = second.Pair;
        });

        // Sent during recovery, it waits (stashed) until recovery is complete.
        Command<GetRecoveredState>(_ => Sender.Tell(new RecoveredState(_completedPairs, _openPair, LastSequenceNr, [.. _anomalies]), Self));
    }

    public override string PersistenceId { get; }
}
