using ActorTrading.Actors.TestKit.Persistence;
using ActorTrading.Persistence.Postgres;

namespace ActorTrading.Persistence.Postgres.Tests;

/// <summary>The journal contract on PostgreSQL: each test has its own database.</summary>
public sealed class PostgresJournalSpecs : JournalSpec, IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly List<PostgresJournal> _journals = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("journal");

    protected override async Task<IJournal> CreateJournalAsync()
    {
        var journal = await PostgresJournal.OpenAsync(new PostgresStoreSettings { ConnectionString = _database.ConnectionString }, TestSerializer.Create());
        _journals.Add(journal);
        return journal;
    }

    public async Task DisposeAsync()
    {
        foreach (var journal in _journals)
        {
            await journal.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}

public sealed class PostgresSnapshotStoreSpecs : SnapshotStoreSpec, IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly List<PostgresSnapshotStore> _stores = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("snapshots");

    protected override async Task<ISnapshotStore> CreateSnapshotStoreAsync()
    {
        var store = await PostgresSnapshotStore.OpenAsync(new PostgresStoreSettings { ConnectionString = _database.ConnectionString }, TestSerializer.Create());
        _stores.Add(store);
        return store;
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}
