using ActorTrading.Actors.Persistence;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>
/// An entity of the load: once recovered, each <see cref="Next"/> command persists one
/// <see cref="PositionChanged"/> with <c>Persist</c>; the handler applies it, records the latency from
/// the command to the handler and tells the next command to itself. So each entity has exactly one
/// write in flight, and 1,000 entities make the journal group-commit up to 1,000 writes at a time.
/// </summary>
public sealed class LoadEntity : ReceivePersistentActor
{
    private readonly LoadControl _control;
    private readonly int _index;
    private readonly string _account;
    private readonly Action<PositionChanged> _onPersisted;
    private long _applied;
    private decimal _netQuantity;
    private long _commandAt;
    private bool _started;
    private bool _drained;

    public LoadEntity(string persistenceId, int index, LoadControl control)
    {
        PersistenceId = persistenceId;
        _index = index;
        _control = control;
        _account = $"account-{index:D4}";
        _onPersisted = OnPersisted;
        Recover<PositionChanged>(Apply);
        Recover<RecoveryCompleted>(_ => Self.Tell(Next.Instance, Self));
        Command<Next>(_ =>
        {
            if (!_started)
            {
                _started = true;
                _control.Started.Signal();
            }

            if (_control.Stopping)
            {
                SignalDrained();
                return;
            }

            _commandAt = LoadControl.Now();
            Persist(PositionChanged.For(_account, LastSequenceNr + 1), _onPersisted);
        });
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdFor(int index) => $"load-{index}";

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        Fail();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        Fail();
    }

    protected override void OnRecoveryFailure(Exception cause, object? @event)
    {
        base.OnRecoveryFailure(cause, @event);
        Fail();
    }

    private void OnPersisted(PositionChanged changed)
    {
        Apply(changed);
        _control.Persisted(_index, _applied, LoadControl.Now() - _commandAt);
        Self.Tell(Next.Instance, Self);
    }

    private void Apply(PositionChanged changed)
    {
        _applied++;
        _netQuantity += changed.SignedQuantity;
    }

    private void Fail()
    {
        _control.Failed();
        if (!_started)
        {
            _started = true;
            _control.Started.Signal();
        }

        SignalDrained();
    }

    private void SignalDrained()
    {
        if (!_drained)
        {
            _drained = true;
            _control.Drained.Signal();
        }
    }

    /// <summary>The command: persist one more event.</summary>
    public sealed record Next
    {
        public static readonly Next Instance = new();

        private Next()
        {
        }
    }
}
