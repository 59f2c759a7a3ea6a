using ActorTrading.Actors.Sharding;
using ActorTrading.Persistence.Postgres;
using Npgsql;

namespace ActorTrading.Persistence.Postgres.Tests;

/// <summary>The fence (issue 16, CLUSTER.md): every journal write carries its shard's writer lease, and PostgreSQL refuses one
/// whose lease the <c>shard_lease</c> table no longer holds.</summary>
public sealed class PostgresFenceSpecs : TestKitBase, IAsyncLifetime
{
    private TestDatabase _database = null!;

    public override async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("fence");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DisposeAsync();
    }

    private PostgresStoreSettings Store => new() { ConnectionString = _database.ConnectionString };

    private static AtomicWrite Write(string id, long sequenceNr, WriterLease lease) =>
        new([new Persistent(new Counter((int)sequenceNr), id, sequenceNr, "w", DateTimeOffset.UnixEpoch.AddDays(1), new HashSet<string>())]) { Lease = lease };

    [Fact]
    public async Task A_write_under_an_older_epoch_is_refused_as_fenced_and_the_rest_of_its_batch_is_stored()
    {
        await using var journal = await PostgresJournal.OpenAsync(Store, TestSerializer.Create());
        var old = await journal.AcquireAsync("bot", 7);
        var current = await journal.AcquireAsync("bot", 7); // the shard started again: the lease moved on
        current.Epoch.ShouldBe(old.Epoch + 1);
        var other = await journal.AcquireAsync("bot", 8);

        var results = await journal.WriteMessagesAsync([
            Write("stale", 1, old), Write("fresh", 1, current), Write("neighbour", 1, other), Write("unleased", 1, WriterLease.None)]);

        var fenced = results[0].ShouldBeOfType<JournalFencedException>();
        fenced.Lease.ShouldBe(old);
        fenced.Message.ShouldContain($"epoch {current.Epoch}");
        results.Skip(1).ShouldAllBe(r => r == null);
        (await journal.ReadHighestSequenceNrAsync("stale")).ShouldBe(0);
        (await StoredLeaseAsync("fresh")).ShouldBe(("bot", 7, journal.Incarnation, current.Epoch));
        (await StoredLeaseAsync("neighbour")).ShouldBe(("bot", 8, journal.Incarnation, other.Epoch));
        (await journal.ReadHighestSequenceNrAsync("unleased")).ShouldBe(1);
    }

    [Fact]
    public async Task A_write_of_another_incarnation_after_the_lease_moved_to_a_new_one_is_refused_as_fenced()
    {
        await using var first = await PostgresJournal.OpenAsync(Store, TestSerializer.Create());
        var lease = await first.AcquireAsync("subscription", 3);
        (await first.WriteMessagesAsync([Write("s", 1, lease)])).Single().ShouldBeNull();

        await using var second = await PostgresJournal.OpenAsync(Store, TestSerializer.Create());
        second.Incarnation.ShouldNotBe(first.Incarnation);
        var taken = await second.AcquireAsync("subscription", 3);

        var refused = (await first.WriteMessagesAsync([Write("s", 2, lease)])).Single().ShouldBeOfType<JournalFencedException>();
        refused.Message.ShouldContain($"incarnation {second.Incarnation}");
        (await second.WriteMessagesAsync([Write("s", 2, taken)])).Single().ShouldBeNull();
        (await StoredLeaseAsync("s", 2)).ShouldBe(("subscription", 3, second.Incarnation, taken.Epoch));
    }

    [Fact]
    public async Task An_entity_writes_under_its_shard_lease_and_stops_with_JournalFenced_once_the_lease_moved_on()
    {
        await using var journal = await PostgresJournal.OpenAsync(Store, TestSerializer.Create());
        ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(journal, new InMemorySnapshotStore());
        var region = ClusterSharding.Get(Sys).Start("counter", id => Props.Create(() => new CountingEntity(id)),
            new ClusterShardingSettings { PassivateIdleEntityAfter = null }, new EnvelopeMessageExtractor(10));
        var shard = WriterLease.ShardNumber(HashCodeMessageExtractor.ShardIdOf("c-1", 10));

        var entity = await region.Ask<IActorRef>(new ShardingEnvelope("c-1", "count"), TimeSpan.FromSeconds(10));
        (await StoredLeaseAsync("counter-c-1")).ShouldBe(("counter", shard, journal.Incarnation, 1L));

        // As a takeover by another owner would: the lease's epoch grows.
        await using (var connection = await _database.OpenConnectionAsync())
        await using (var takeOver = new NpgsqlCommand("UPDATE shard_lease SET epoch = epoch + 1 WHERE type_name = 'counter' AND shard_id = @s", connection))
        {
            takeOver.Parameters.AddWithValue("s", shard);
            (await takeOver.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        Watch(entity);
        var failure = await Should.ThrowAsync<JournalFencedException>(() => region.Ask<IActorRef>(new ShardingEnvelope("c-1", "count"), TimeSpan.FromSeconds(10)));
        failure.Lease.ShouldBe(new WriterLease("counter", shard, journal.Incarnation, 1));
        await ExpectTerminatedAsync(entity);
        (await journal.ReadHighestSequenceNrAsync("counter-c-1")).ShouldBe(1);
    }

    private async Task<(string, int, long, long)> StoredLeaseAsync(string persistenceId, long sequenceNr = 1)
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var read = new NpgsqlCommand(
            "SELECT shard_type, shard_id, writer_incarnation, writer_epoch FROM event_journal WHERE persistence_id = @p AND sequence_nr = @s", connection);
        read.Parameters.AddWithValue("p", persistenceId);
        read.Parameters.AddWithValue("s", sequenceNr);
        await using var reader = await read.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue($"{persistenceId} #{sequenceNr} stored");
        return (reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>Persists a counter per command and answers with itself once it is stored.</summary>
    private sealed class CountingEntity : ReceivePersistentActor
    {
        private int _count;

        public CountingEntity(string id)
        {
            PersistenceId = "counter-" + id;
            Recover<Counter>(c => _count = c.Value);
            Command<string>(_ => Persist(new Counter(_count + 1), c =>
            {
                _count = c.Value;
                Sender.Tell(Self, Self);
            }));
        }

        public override string PersistenceId { get; }
    }
}
