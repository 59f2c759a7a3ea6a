using ActorTrading.Persistence.Projections;
using ActorTrading.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Tests;

public sealed class SqliteProjectionSpecs : ProjectionSpecs, IAsyncDisposable
{
    private readonly TemporaryDatabaseFile _file = new();
    private SqliteJournal? _journal;
    private SqliteProjectionStore? _store;

    protected override async Task<(IJournal Journal, IProjectionStore Store)> OpenAsync()
    {
        _journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        _store = await SqliteProjectionStore.OpenAsync(_journal);
        return (_journal, _store);
    }

    protected override async Task<IReadOnlyList<(string PersistenceId, long SequenceNr)>> ReadOperationLogAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_store!.ReadModelPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT persistence_id, sequence_nr FROM operation_log ORDER BY ordering";
        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    [Fact]
    public async Task Read_tables_live_in_a_file_of_their_own_and_readers_see_the_journal_beside_them()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "a", 1, 3);
        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), store, new ProjectionSettings { PollInterval = TimeSpan.FromMilliseconds(50) }))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(10));
        }

        _store!.ReadModelPath.ShouldBe(Path.Combine(Path.GetDirectoryName(_file.Settings.DatabasePath)!, "actortrading-read-model.db"));
        (await TablesAsync(_file.Settings.DatabasePath)).ShouldNotContain("operation_log");
        (await TablesAsync(_store.ReadModelPath)).ShouldContain("operation_log");
        (await TablesAsync(_store.ReadModelPath)).ShouldNotContain("event_journal");

        await using var reader = await store.OpenReaderAsync(CancellationToken.None);
        await using var query = reader.CreateCommand();
        query.CommandText = "SELECT (SELECT COUNT(*) FROM event_journal) || ' ' || (SELECT COUNT(*) FROM operation_log)";
        (await query.ExecuteScalarAsync()).ShouldBe("3 3");

        // Only for reading: a write there would take both files' write locks.
        query.CommandText = "DELETE FROM operation_log";
        (await Should.ThrowAsync<SqliteException>(() => query.ExecuteNonQueryAsync())).SqliteErrorCode.ShouldBe(8); // SQLITE_READONLY
    }

    [Fact]
    public async Task A_pooled_reader_is_handed_out_again_with_the_journal_attached_once()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "a", 1, 1);
        for (var i = 0; i < 3; i++)
        {
            await using var reader = await store.OpenReaderAsync(CancellationToken.None);
            await using var query = reader.CreateCommand();
            query.CommandText = "SELECT COUNT(*) FROM event_journal";
            (await query.ExecuteScalarAsync()).ShouldBe(1L);
        }
    }

    [Fact]
    public async Task Read_tables_built_from_another_journal_are_refused_naming_both_files()
    {
        var (journal, store) = await OpenAsync();
        await WriteAsync(journal, "a", 1, 3);
        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), store))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(10));
        }

        var readModelPath = _store!.ReadModelPath;
        await _store.DisposeAsync();
        await _journal!.DisposeAsync();
        (_store, _journal) = (null, null);

        // The journal's file goes (deleted, or replaced by another), the read tables stay.
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { "", "-wal", "-shm" }.Select(suffix => _file.Settings.DatabasePath + suffix).Where(File.Exists))
        {
            File.Delete(file);
        }

        _journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => SqliteProjectionStore.OpenAsync(_journal));
        refused.Message.ShouldContain(Path.GetFullPath(readModelPath));
        refused.Message.ShouldContain(Path.GetFullPath(_file.Settings.DatabasePath));

        // Moved away, the read tables are rebuilt from this journal.
        SqliteConnection.ClearAllPools();
        File.Move(readModelPath, readModelPath + ".old");
        foreach (var file in new[] { "-wal", "-shm" }.Select(suffix => readModelPath + suffix).Where(File.Exists))
        {
            File.Delete(file);
        }

        _store = await SqliteProjectionStore.OpenAsync(_journal);
        await WriteAsync(_journal, "b", 1, 2);
        await using (var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), _store))
        {
            await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(10));
        }

        (await ReadOperationLogAsync()).ShouldBe([("b", 1L), ("b", 2L)]);
    }

    [Fact]
    public async Task A_reader_that_keeps_up_gets_the_events_this_process_committed_from_memory_as_the_file_holds_them()
    {
        var (journal, store) = await OpenAsync();
        var written = new List<Persistent>();
        for (var n = 1; n <= 6; n++)
        {
            var tags = n % 2 == 0 ? new HashSet<string> { "even", "orders" } : new HashSet<string>();
            written.Add(new Persistent(new OrderPlaced("o" + n, n + 0.125m, "buy"), n <= 3 ? "a" : "b", n <= 3 ? n : n - 3, "w", DateTimeOffset.UtcNow.AddTicks(n * 1_234), tags));
            (await journal.WriteMessagesAsync([new AtomicWrite([written[^1]])]))[0].ShouldBeNull();
        }

        (await journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Counter(7), "c", 1, "w", DateTimeOffset.UtcNow, new HashSet<string>())])]))[0].ShouldBeNull();
        static bool Orders(string manifest) => manifest.StartsWith("test.order-placed.", StringComparison.Ordinal);
        var fromMemory = await store.ReadAfterAsync(ProjectionOffset.Start, 100, Orders, CancellationToken.None);

        // The objects written, not copies read back.
        fromMemory.Events.Count.ShouldBe(6);
        for (var i = 0; i < 6; i++)
        {
            ReferenceEquals(fromMemory.Events[i].Payload, written[i].Payload).ShouldBeTrue($"event {i + 1} was read back, not taken from memory");
        }

        // A second journal over the file has nothing in memory: it reads the file, and must find the same.
        await using var other = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        await using var otherStore = await SqliteProjectionStore.OpenAsync(other);
        var fromFile = await otherStore.ReadAfterAsync(ProjectionOffset.Start, 100, Orders, CancellationToken.None);
        ReferenceEquals(fromFile.Events[0].Payload, written[0].Payload).ShouldBeFalse();
        (fromMemory.Read, fromMemory.Last, fromMemory.LastTimestamp).ShouldBe((fromFile.Read, fromFile.Last, fromFile.LastTimestamp));
        Describe(fromMemory).ShouldBe(Describe(fromFile));

        // Part of the way along, and with fewer wanted than there are, the same again.
        Describe(await store.ReadAfterAsync(new ProjectionOffset(0, 2), 3, _ => true, CancellationToken.None))
            .ShouldBe(Describe(await otherStore.ReadAfterAsync(new ProjectionOffset(0, 2), 3, _ => true, CancellationToken.None)));

        static IReadOnlyList<string> Describe(ProjectionBatch batch) =>
            [$"read {batch.Read} to {batch.Last} at {batch.LastTimestamp:O}", .. batch.Events.Select(e =>
                $"{e.Offset} {e.PersistenceId}#{e.SequenceNr} {e.Manifest} {e.Timestamp:O} [{string.Join(",", e.Tags.Order(StringComparer.Ordinal))}] "
                + $"{System.Text.Encoding.UTF8.GetString(e.PayloadJson)} {e.Payload}")];
    }

    [Fact]
    public async Task A_reader_further_behind_than_memory_holds_or_past_another_writers_events_reads_the_file()
    {
        var settings = _file.Settings with { RecentEventsKept = 4 };
        _journal = await SqliteJournal.OpenAsync(settings, TestSerializer.Create());
        _store = await SqliteProjectionStore.OpenAsync(_journal);
        await WriteAsync(_journal, "a", 1, 10);

        // Ten written, the last four held: a reader at the start gets all ten, from the file.
        var all = await _store.ReadAfterAsync(ProjectionOffset.Start, 100, _ => true, CancellationToken.None);
        all.Events.Select(e => (e.PersistenceId, e.SequenceNr)).ShouldBe(Enumerable.Range(1, 10).Select(n => ("a", (long)n)));
        var late = await _store.ReadAfterAsync(new ProjectionOffset(0, 6), 100, _ => true, CancellationToken.None);
        late.Events.Select(e => e.SequenceNr).ShouldBe([7L, 8L, 9L, 10L]);

        // Another writer's event between two of this process's: every event, in the file's order.
        await using (var other = await SqliteJournal.OpenAsync(settings, TestSerializer.Create()))
        {
            await WriteAsync(other, "b", 1, 1);
        }

        await WriteAsync(_journal, "a", 11, 2);
        var past = await _store.ReadAfterAsync(new ProjectionOffset(0, 8), 100, _ => true, CancellationToken.None);
        past.Events.Select(e => (e.PersistenceId, e.SequenceNr)).ShouldBe([("a", 9L), ("a", 10L), ("b", 1L), ("a", 11L), ("a", 12L)]);
        past.Events.Select(e => e.Offset.Ordering).ShouldBe([9L, 10L, 11L, 12L, 13L]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }

        _file.Dispose();
    }

    private static async Task<IReadOnlyList<string>> TablesAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
