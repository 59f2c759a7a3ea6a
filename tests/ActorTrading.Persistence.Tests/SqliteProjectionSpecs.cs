using ActorTrading.Persistence.Projections;
using ActorTrading.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Tests;

public sealed class SqliteProjectionSpecs : ProjectionSpecs, IAsyncDisposable
{
    private readonly TemporaryDatabaseFile _file = new();
    private SqliteJournal? _journal;

    protected override async Task<(IJournal Journal, IProjectionStore Store)> OpenAsync()
    {
        _journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        return (_journal, new SqliteProjectionStore(_journal));
    }

    protected override async Task<IReadOnlyList<(string PersistenceId, long SequenceNr)>> ReadOperationLogAsync()
    {
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
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

    public async ValueTask DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }

        _file.Dispose();
    }
}
