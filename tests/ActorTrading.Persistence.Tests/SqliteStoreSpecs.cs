using ActorTrading.Actors.TestKit.Persistence;
using ActorTrading.Persistence.Sqlite;

namespace ActorTrading.Persistence.Tests;

/// <summary>A database file in its own temporary directory, deleted after the test.</summary>
public sealed class TemporaryDatabaseFile : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actortrading-sqlite-").FullName;

    public SqliteStoreSettings Settings => new() { DatabasePath = Path.Combine(_directory, "data", "actortrading.db") };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class SqliteJournalSpecs : JournalSpec, IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();
    private readonly List<SqliteJournal> _journals = [];

    protected override async Task<IJournal> CreateJournalAsync()
    {
        var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        _journals.Add(journal);
        return journal;
    }

    public void Dispose()
    {
        foreach (var journal in _journals)
        {
            journal.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _file.Dispose();
    }
}

public sealed class SqliteSnapshotStoreSpecs : SnapshotStoreSpec, IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    protected override async Task<ISnapshotStore> CreateSnapshotStoreAsync() =>
        await SqliteSnapshotStore.OpenAsync(_file.Settings, TestSerializer.Create());

    public void Dispose() => _file.Dispose();
}
