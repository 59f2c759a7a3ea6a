using ActorTrading.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Tests;

public sealed class SqliteJournalBehaviourSpecs : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    private static Persistent Event(string id, long sequenceNr, object payload) =>
        new(payload, id, sequenceNr, "w", DateTimeOffset.UnixEpoch, new HashSet<string>());

    [Fact]
    public async Task A_write_that_cannot_be_serialized_is_rejected_alone()
    {
        await using var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        var results = await journal.WriteMessagesAsync([
            new AtomicWrite([Event("a", 1, new Uri("http://127.0.0.1/"))]),
            new AtomicWrite([Event("b", 1, new Counter(1))]),
        ]);
        results[0].ShouldBeOfType<JournalWriteRejectedException>().Message.ShouldContain("System.Uri");
        results[1].ShouldBeNull();
        (await journal.ReadHighestSequenceNrAsync("a")).ShouldBe(0);
        (await journal.ReadHighestSequenceNrAsync("b")).ShouldBe(1);
    }

    [Fact]
    public async Task An_event_stored_in_an_older_shape_still_replays()
    {
        await using (var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create()))
        {
            await journal.WriteMessagesAsync([new AtomicWrite([Event("o", 1, new Counter(0))])]);
        }

        // A row written by an older version of the code.
        await using (var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests()))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
                VALUES ('o', 2, 0, 'test.order-placed.v1', CAST('{"order_id":"o-7","qty":"3"}' AS BLOB), 'old')
                """;
            await insert.ExecuteNonQueryAsync();
        }

        await using var reopened = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        var replayed = new List<object>();
        await reopened.ReplayMessagesAsync("o", 1, long.MaxValue, long.MaxValue, p => replayed.Add(p.Payload));
        replayed.ShouldBe([new Counter(0), new OrderPlaced("o-7", 3m, "unknown")]);
    }

    [Fact]
    public async Task Concurrent_writers_share_transactions_and_every_event_is_stored()
    {
        await using var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        const int entities = 200;
        const int eventsEach = 20;
        await Task.WhenAll(Enumerable.Range(0, entities).Select(async entity =>
        {
            for (var n = 1; n <= eventsEach; n++)
            {
                var result = await journal.WriteMessagesAsync([new AtomicWrite([Event($"e-{entity}", n, new Counter(n))])]);
                result[0].ShouldBeNull();
            }
        }));

        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM event_journal";
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(entities * eventsEach);
    }

    [Fact]
    public async Task Opening_the_same_file_twice_migrates_once()
    {
        await using var first = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        await using var second = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await using var versions = connection.CreateCommand();
        versions.CommandText = "SELECT group_concat(version) FROM (SELECT version FROM schema_version ORDER BY version)";
        ((string)(await versions.ExecuteScalarAsync())!).ShouldBe("1,2,3,4");
    }

    [Fact]
    public async Task An_events_tags_are_found_by_its_ordering_through_an_index()
    {
        await using var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await using var plan = connection.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN SELECT group_concat(t.tag, char(31)) FROM event_tag t WHERE t.ordering = 1";
        await using var reader = await plan.ExecuteReaderAsync();
        var steps = new List<string>();
        while (await reader.ReadAsync())
        {
            steps.Add(reader.GetString(3));
        }

        steps.ShouldContain(step => step.Contains("event_tag_by_ordering", StringComparison.Ordinal), string.Join("; ", steps));
    }

    [Fact]
    public void Invalid_settings_name_the_setting()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new SqliteStoreSettings { DatabasePath = "x.db", Synchronous = "OFF" }.Validate())
            .ParamName.ShouldBe("Synchronous");
        Should.Throw<ArgumentOutOfRangeException>(() => new SqliteStoreSettings { DatabasePath = "x.db", CheckpointInterval = TimeSpan.Zero }.Validate())
            .ParamName.ShouldBe("CheckpointInterval");
        Should.Throw<ArgumentOutOfRangeException>(() => new SqliteStoreSettings { DatabasePath = "x.db", WriterCheckpointPages = 10 }.Validate())
            .ParamName.ShouldBe("WriterCheckpointPages");
        Should.Throw<ArgumentException>(() => new SqliteStoreSettings { DatabasePath = "data/x.db", ReadModelPath = "data/../data/x.db" }.Validate())
            .ParamName.ShouldBe("ReadModelPath");
    }

    [Fact]
    public async Task Committed_pages_reach_the_database_file_without_a_writer_checkpointing()
    {
        // 2,000 events of about 1 KB: under SQLite's own 1,000-page threshold, and far under the writers' limit, so only
        // the background checkpoints can move them out of the log into the file.
        var settings = _file.Settings with { CheckpointInterval = TimeSpan.FromMilliseconds(20) };
        await using var journal = await SqliteJournal.OpenAsync(settings, TestSerializer.Create());
        var before = new FileInfo(settings.DatabasePath).Length;
        var side = new string('x', 1_000);
        for (var batch = 0; batch < 4; batch++)
        {
            var writes = Enumerable.Range(0, 500).Select(i => new AtomicWrite([Event($"e-{i}", batch + 1, new OrderPlaced($"o-{i}", 1m, side))])).ToList();
            (await journal.WriteMessagesAsync(writes)).ShouldAllBe(result => result == null);
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (new FileInfo(settings.DatabasePath).Length < before + 1_000_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        new FileInfo(settings.DatabasePath).Length.ShouldBeGreaterThan(before + 1_000_000, "the events should have been checkpointed into the file");
    }

    public void Dispose() => _file.Dispose();
}

internal static class SqliteSettingsExtensions
{
    public static string ConnectionStringForTests(this SqliteStoreSettings settings) => $"Data Source={settings.DatabasePath};Pooling=False";
}
