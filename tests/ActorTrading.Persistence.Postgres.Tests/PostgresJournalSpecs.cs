using ActorTrading.Persistence.Postgres;
using Npgsql;

namespace ActorTrading.Persistence.Postgres.Tests;

public sealed class PostgresJournalBehaviourSpecs : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("behaviour");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private PostgresStoreSettings Settings => new() { ConnectionString = _database.ConnectionString };

    private static Persistent Event(string id, long sequenceNr, object payload, string writer = "w") =>
        new(payload, id, sequenceNr, writer, DateTimeOffset.UnixEpoch.AddDays(1), new HashSet<string>());

    [Fact]
    public async Task A_write_that_cannot_be_serialized_is_rejected_alone()
    {
        await using var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        var results = await journal.WriteMessagesAsync([
            new AtomicWrite([Event("a", 1, new Uri("http://127.0.0.1/"))]),
            new AtomicWrite([Event("b", 1, new Counter(1))]),
        ]);
        results[0].ShouldBeOfType<JournalWriteRejectedException>();
        results[1].ShouldBeNull();
        (await journal.ReadHighestSequenceNrAsync("b")).ShouldBe(1);
    }

    [Fact]
    public async Task Two_incarnations_claiming_one_sequence_number_in_one_batch_leave_one_winner_and_the_rest_of_the_batch_stored()
    {
        await using var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        await journal.WriteMessagesAsync([new AtomicWrite([Event("x", 1, new Counter(1))])]);
        var results = await journal.WriteMessagesAsync([
            new AtomicWrite([Event("x", 2, new Counter(2), "first")]),
            new AtomicWrite([Event("y", 1, new Counter(1))]),
            new AtomicWrite([Event("x", 2, new Counter(20), "second")]),
            new AtomicWrite([Event("x", 1, new Counter(10), "zombie"), Event("x", 3, new Counter(30), "zombie")]),
        ]);
        results[0].ShouldBeNull();
        results[1].ShouldBeNull();
        results[2].ShouldBeOfType<SequenceNumberConflictException>();
        results[3].ShouldBeOfType<SequenceNumberConflictException>().SequenceNr.ShouldBe(1);

        var replayed = new List<Persistent>();
        await journal.ReplayMessagesAsync("x", 1, long.MaxValue, long.MaxValue, replayed.Add);
        replayed.Select(p => (p.SequenceNr, p.WriterUuid)).ShouldBe([(1L, "w"), (2L, "first")]);
    }

    [Fact]
    public async Task An_event_stored_in_an_older_shape_still_replays()
    {
        await using var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        await using (var connection = await _database.OpenConnectionAsync())
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
            VALUES ('o', 1, now(), 'test.order-placed.v1', convert_to('{"order_id":"o-7","qty":"3"}', 'UTF8'), 'old')
            """, connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var replayed = new List<object>();
        await journal.ReplayMessagesAsync("o", 1, long.MaxValue, long.MaxValue, p => replayed.Add(p.Payload));
        replayed.ShouldBe([new OrderPlaced("o-7", 3m, "unknown")]);
    }

    [Fact]
    public async Task Many_concurrent_writers_are_group_committed_into_few_transactions()
    {
        await using var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        const int entities = 300;
        const int eventsEach = 10;
        long before;
        await using (var connection = await _database.OpenConnectionAsync())
        await using (var commits = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection))
        {
            before = (long)(await commits.ExecuteScalarAsync())!;
        }

        await Task.WhenAll(Enumerable.Range(0, entities).Select(async entity =>
        {
            for (var n = 1; n <= eventsEach; n++)
            {
                (await journal.WriteMessagesAsync([new AtomicWrite([Event($"e-{entity}", n, new Counter(n))])]))[0].ShouldBeNull();
            }
        }));

        await using var check = await _database.OpenConnectionAsync();
        await using (var count = new NpgsqlCommand("SELECT COUNT(*) FROM event_journal", check))
        {
            ((long)(await count.ExecuteScalarAsync())!).ShouldBe(entities * eventsEach);
        }

        // pg_stat counts are flushed asynchronously; force it, then compare.
        await using (var flush = new NpgsqlCommand("SELECT pg_stat_force_next_flush()", check))
        {
            await flush.ExecuteNonQueryAsync();
        }

        await using var after = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", check);
        var transactions = (long)(await after.ExecuteScalarAsync())! - before;
        transactions.ShouldBeLessThan(entities * eventsEach / 3, "writes must share transactions");
    }

    [Fact]
    public async Task Tags_are_stored_with_the_committing_transaction()
    {
        await using var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        await journal.WriteMessagesAsync([new AtomicWrite([Event("t", 1, new Counter(1)) with { Tags = new HashSet<string> { "subscription" } }])]);
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT t.tag, t.tx_id = j.tx_id FROM event_tag t JOIN event_journal j USING (ordering)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("subscription");
        reader.GetBoolean(1).ShouldBeTrue();
    }

    [Fact]
    public async Task Nodes_starting_together_migrate_the_schema_once()
    {
        var journals = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresJournal.OpenAsync(Settings, TestSerializer.Create())));
        foreach (var journal in journals)
        {
            await journal.DisposeAsync();
        }

        await using var connection = await _database.OpenConnectionAsync();
        // Each migration recorded once: as many rows as the highest version.
        await using var versions = new NpgsqlCommand("SELECT COUNT(*) = MAX(version) FROM schema_version", connection);
        ((bool)(await versions.ExecuteScalarAsync() ?? false)).ShouldBeTrue();
    }
}
