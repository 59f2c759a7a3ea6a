using ActorTrading.Persistence.Postgres;
using ActorTrading.Persistence.Projections;
using Npgsql;

namespace ActorTrading.Persistence.Postgres.Tests;

public sealed class PostgresProjectionSpecs : ProjectionSpecs, IAsyncLifetime
{
    private static readonly ProjectionSettings FastSettings = new() { PollInterval = TimeSpan.FromMilliseconds(50), RetryDelay = TimeSpan.FromMilliseconds(20) };
    private TestDatabase _database = null!;
    private readonly List<IAsyncDisposable> _disposables = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("projection");

    private PostgresStoreSettings Settings => new() { ConnectionString = _database.ConnectionString };

    protected override async Task<(IJournal Journal, IProjectionStore Store)> OpenAsync()
    {
        var journal = await PostgresJournal.OpenAsync(Settings, TestSerializer.Create());
        var store = new PostgresProjectionStore(Settings, TestSerializer.Create(), journal);
        _disposables.Add(store);
        _disposables.Add(journal);
        return (journal, store);
    }

    protected override async Task<IReadOnlyList<(string PersistenceId, long SequenceNr)>> ReadOperationLogAsync()
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT persistence_id, sequence_nr FROM operation_log ORDER BY ordering", connection);
        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    [Fact]
    public async Task An_event_whose_transaction_commits_late_is_applied_not_skipped()
    {
        var (journal, store) = await OpenAsync();

        // A slow writer takes its ordering first and commits last.
        await using var slow = await _database.OpenConnectionAsync();
        await using var slowTransaction = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO event_journal (persistence_id, sequence_nr, created_at, manifest, payload, writer_uuid)
            VALUES ('slow', 1, now(), 'test.counter.v1', convert_to('{"value":1}', 'UTF8'), 'slow')
            """, slow, slowTransaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await WriteAsync(journal, "fast", 1, 5);
        await using var runner = await ProjectionRunner.StartAsync(new OperationLogProjection(), store, FastSettings);

        // While the slow transaction is open, nothing after it may be applied, or it would be skipped for ever.
        var readsBefore = runner.Status.Reads;
        await WaitForAsync(() => runner.Status.Reads >= readsBefore + 3, "three more reads of the journal");
        runner.Status.EventsApplied.ShouldBe(0);

        await slowTransaction.CommitAsync();
        await runner.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(20));
        (await ReadOperationLogAsync()).Select(r => r.PersistenceId).ShouldBe(["slow", "fast", "fast", "fast", "fast", "fast"]);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }

    public async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}
