using System.Collections.Immutable;
using ActorTrading.Actors.Persistence;

namespace ActorTrading.Actors.Tests.Persistence;

public sealed class PersistentActorSpecs : TestKitBase
{
    private readonly ControllableJournal _journal = new();
    private readonly InMemorySnapshotStore _snapshots = new();

    public PersistentActorSpecs() => global::ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(_journal, _snapshots);

    private sealed record Add(string Item);

    private sealed record AddMany(IReadOnlyList<string> Items);

    private sealed record Added(string Item);

    private sealed record GetItems;

    private sealed record TakeSnapshot;

    /// <summary>A list of items: the simplest event-sourced state.</summary>
    private sealed class ListEntity : ReceivePersistentActor
    {
        private ImmutableList<string> _items = [];

        public ListEntity(string id, IActorRef probe)
        {
            PersistenceId = id;
            Recover<Added>(e => _items = _items.Add(e.Item));
            Recover<SnapshotOffer>(offer =>
            {
                _items = (ImmutableList<string>)offer.Snapshot;
                probe.Tell($"snapshot@{offer.Metadata.SequenceNr}", Self);
            });
            Recover<RecoveryCompleted>(_ => probe.Tell($"recovered:{string.Join(",", _items)}@{LastSequenceNr}", Self));
            Command<Add>(c => Persist(new Added(c.Item), e =>
            {
                _items = _items.Add(e.Item);
                Sender.Tell($"added:{e.Item}@{LastSequenceNr}", Self);
            }));
            Command<AddMany>(c => PersistAll(c.Items.Select(i => new Added(i)), e =>
            {
                _items = _items.Add(e.Item);
                probe.Tell($"handler:{e.Item}", Self);
            }));
            Command<string>(s => s == "async", _ => PersistAsync(new Added("async"), e =>
            {
                _items = _items.Add(e.Item);
                probe.Tell("async-handler", Self);
            }));
            Command<string>(s => s == "explode", _ => throw new InvalidOperationException("explode"));
            Command<string>(s => probe.Tell($"command:{s}", Self));
            Command<GetItems>(_ => Sender.Tell(string.Join(",", _items), Self));
            Command<TakeSnapshot>(_ => SaveSnapshot(_items));
            Command<SaveSnapshotSuccess>(s => probe.Tell($"saved@{s.Metadata.SequenceNr}", Self));
        }

        public override string PersistenceId { get; }
    }

    private IActorRef Entity(string id, IActorRef? probe = null) =>
        Sys.ActorOf(Props.Create(() => new ListEntity(id, probe ?? TestActor.Ref)));

    [Fact]
    public async Task An_event_persisted_when_recovery_completes_is_written_and_the_commands_behind_it_run()
    {
        var first = Sys.ActorOf(Props.Create(() => new FinishesOnRecovery("finisher", TestActor.Ref)));
        await ExpectMsgAsync("finished@1");
        await first.GracefulStop(TimeSpan.FromSeconds(3));

        var again = Sys.ActorOf(Props.Create(() => new FinishesOnRecovery("finisher", TestActor.Ref)));
        again.Tell("after", TestActor.Ref);
        await ExpectMsgAsync("finished@2");
        await ExpectMsgAsync("command:after");
    }

    /// <summary>Persists from its RecoveryCompleted handler, as an entity finishing work it had in flight does.</summary>
    private sealed class FinishesOnRecovery : ReceivePersistentActor
    {
        public FinishesOnRecovery(string id, IActorRef probe)
        {
            PersistenceId = id;
            Recover<RecoveryCompleted>(_ => Persist(new Added("finished"), _ => probe.Tell($"finished@{LastSequenceNr}", Self)));
            Command<string>(s => probe.Tell($"command:{s}", Self));
        }

        public override string PersistenceId { get; }
    }

    [Fact]
    public async Task Persisted_events_are_recovered_by_a_new_incarnation()
    {
        var first = Entity("list-1");
        await ExpectMsgAsync("recovered:@0");
        first.Tell(new Add("a"), TestActor.Ref);
        await ExpectMsgAsync("added:a@1");
        first.Tell(new Add("b"), TestActor.Ref);
        await ExpectMsgAsync("added:b@2");
        (await first.GracefulStop(TimeSpan.FromSeconds(3))).ShouldBeTrue();

        var second = Entity("list-1");
        await ExpectMsgAsync("recovered:a,b@2");
        second.Tell(new Add("c"), TestActor.Ref);
        await ExpectMsgAsync("added:c@3");
    }

    [Fact]
    public async Task PersistAll_runs_every_handler_in_order_before_the_next_command()
    {
        var entity = Entity("list-2");
        await ExpectMsgAsync("recovered:@0");
        _journal.Hold();
        entity.Tell(new AddMany(["x", "y", "z"]), TestActor.Ref);
        entity.Tell("next", TestActor.Ref);
        await AwaitConditionAsync(() => Volatile.Read(ref _journal.Writes) == 1, "the write to reach the journal");

        // While the write is in flight the next command waits.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        _journal.Release();
        await ExpectMsgAsync("handler:x");
        await ExpectMsgAsync("handler:y");
        await ExpectMsgAsync("handler:z");
        await ExpectMsgAsync("command:next");
    }

    [Fact]
    public async Task PersistAsync_does_not_hold_later_commands_back()
    {
        var entity = Entity("list-3");
        await ExpectMsgAsync("recovered:@0");
        _journal.Hold();
        entity.Tell("async", TestActor.Ref);
        entity.Tell("next", TestActor.Ref);
        await ExpectMsgAsync("command:next");
        _journal.Release();
        await ExpectMsgAsync("async-handler");
    }

    [Fact]
    public async Task Recovery_starts_from_the_latest_snapshot_and_replays_later_events()
    {
        var entity = Entity("list-4");
        await ExpectMsgAsync("recovered:@0");
        entity.Tell(new Add("a"), TestActor.Ref);
        entity.Tell(new Add("b"), TestActor.Ref);
        entity.Tell(new TakeSnapshot(), TestActor.Ref);
        await ExpectMsgAsync("added:a@1");
        await ExpectMsgAsync("added:b@2");
        await ExpectMsgAsync("saved@2");
        entity.Tell(new Add("c"), TestActor.Ref);
        await ExpectMsgAsync("added:c@3");
        (await entity.GracefulStop(TimeSpan.FromSeconds(3))).ShouldBeTrue();

        // Prove the snapshot is used: events it covers are gone from the journal.
        await _journal.DeleteMessagesToAsync("list-4", 2);
        Entity("list-4");
        await ExpectMsgAsync("snapshot@2");
        await ExpectMsgAsync("recovered:a,b,c@3");
    }

    [Fact]
    public async Task A_second_writer_for_the_same_id_fails_on_a_duplicate_sequence_number_and_stops()
    {
        var probeA = CreateTestProbe();
        var probeB = CreateTestProbe();
        var a = Entity("list-5", probeA.Ref);
        await probeA.ExpectMsgAsync("recovered:@0");
        var b = Entity("list-5", probeB.Ref);
        await probeB.ExpectMsgAsync("recovered:@0");
        Watch(b);
        var logs = CaptureLogs();

        a.Tell(new Add("from-a"), TestActor.Ref);
        await ExpectMsgAsync("added:from-a@1");
        b.Tell(new Add("from-b"), TestActor.Ref);

        await ExpectTerminatedAsync(b);
        (await logs.FishForMessageAsync<LogEvent>(e => e.EventId.Id == 1102)).Message.ShouldContain("list-5");
        (await a.Ask<string>(new GetItems())).ShouldBe("from-a");
    }

    [Fact]
    public async Task A_failed_write_stops_the_entity_and_a_backoff_supervisor_brings_it_back_from_the_journal()
    {
        var options = BackoffOptions.OnStop(Props.Create(() => new ListEntity("list-6", TestActor.Ref)), "list-6",
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), 0);
        var supervisor = Sys.ActorOf(BackoffSupervisor.Props(options));
        await ExpectMsgAsync("recovered:@0");
        supervisor.Tell(new Add("kept"), TestActor.Ref);
        await ExpectMsgAsync("added:kept@1");

        _journal.FailNextWrite(new TimeoutException("database did not answer"));
        supervisor.Tell(new Add("lost"), TestActor.Ref);

        await ExpectMsgAsync("recovered:kept@1", TimeSpan.FromSeconds(3));
        supervisor.Tell(new Add("after"), TestActor.Ref);
        await ExpectMsgAsync("added:after@2");
    }

    [Fact]
    public async Task Commands_sent_during_recovery_are_processed_after_it()
    {
        _journal.FailReplayWith = null;
        var seed = Entity("list-7");
        await ExpectMsgAsync("recovered:@0");
        seed.Tell(new Add("a"), TestActor.Ref);
        await ExpectMsgAsync("added:a@1");
        await seed.GracefulStop(TimeSpan.FromSeconds(3));

        var entity = Entity("list-7");
        entity.Tell("early", TestActor.Ref);
        await ExpectMsgAsync("recovered:a@1");
        await ExpectMsgAsync("command:early");
    }

    [Fact]
    public async Task A_recovery_failure_stops_the_entity_with_the_cause_logged()
    {
        var logs = CaptureLogs();
        _journal.FailReplayWith = new InvalidOperationException("journal unreadable");
        var entity = Entity("list-8");
        Watch(entity);
        await ExpectTerminatedAsync(entity);
        var entry = await logs.FishForMessageAsync<LogEvent>(e => e.EventId.Id == 1101);
        entry.Message.ShouldContain("list-8");
        entry.Exception!.Message.ShouldBe("journal unreadable");
    }

    [Fact]
    public async Task A_restart_rebuilds_the_state_from_the_journal()
    {
        var entity = Entity("list-9");
        await ExpectMsgAsync("recovered:@0");
        entity.Tell(new Add("a"), TestActor.Ref);
        await ExpectMsgAsync("added:a@1");
        entity.Tell(new Add("b"), TestActor.Ref);
        await ExpectMsgAsync("added:b@2");

        entity.Tell("explode", TestActor.Ref);
        await ExpectMsgAsync("recovered:a,b@2");
        entity.Tell(new Add("c"), TestActor.Ref);
        await ExpectMsgAsync("added:c@3");
    }
}

/// <summary>Regression (found by the node's ack-latency benchmark, session 1): a subscription traded a newer signal
/// before an older one it had stashed, because commands held during a persist jumped ahead of the actor's own unstash.</summary>
public sealed class StashOrderAcrossPersistSpecs : TestKitBase
{
    private readonly ControllableJournal _journal = new();

    public StashOrderAcrossPersistSpecs() => global::ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(_journal, new InMemorySnapshotStore());

    private sealed class Worker : ReceivePersistentActor
    {
        private bool _busy;

        public Worker(IActorRef probe)
        {
            PersistenceId = "worker-" + Guid.NewGuid().ToString("N");
            Recover<string>(_ => { });
            Command<string>(s => s == "start", _ => _busy = true);
            Command<string>(s => s == "done", _ => Persist("finished", _ =>
            {
                _busy = false;
                Stash.UnstashAll();
            }));
            Command<string>(s =>
            {
                if (_busy)
                {
                    Stash.Stash();
                    return;
                }

                probe.Tell(s, Self);
            });
        }

        public override string PersistenceId { get; }
    }

    [Fact]
    public async Task Messages_the_actor_stashed_itself_come_back_before_those_held_during_its_persist()
    {
        var worker = Sys.ActorOf(Props.Create(() => new Worker(TestActor.Ref)));
        worker.Tell("start", null);
        worker.Tell("older", null);
        _journal.Hold();
        worker.Tell("done", null);
        await AwaitConditionAsync(() => Volatile.Read(ref _journal.Writes) == 1, "the persist to start");
        worker.Tell("newer", null);
        _journal.Release();
        await ExpectMsgAsync("older");
        await ExpectMsgAsync("newer");
    }
}
