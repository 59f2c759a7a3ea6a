using System.Data.Common;
using ActorTrading.Persistence.Projections;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>Reads the journal for projections in ordering order: SQLite serializes writers, so the ordering is
/// also the commit order and a reader can never see a later event before an earlier one.</summary>
public sealed class SqliteProjectionStore(SqliteJournal journal) : IProjectionStore
{
    /// <inheritdoc/>
    public event Action? EventsWritten
    {
        add => journal.EventsWritten += value;
        remove => journal.EventsWritten -= value;
    }

    /// <inheritdoc/>
    public ProjectionDialect Dialect => ProjectionDialect.Sqlite;

    /// <inheritdoc/>
    public Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken) => journal.Database.EnterWriteAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await journal.Database.OpenAsync(cancellationToken);

    /// <inheritdoc/>
    public IProjectionStatement? Prepare(DbConnection connection, string sql) => SqliteStatement.Prepare((SqliteConnection)connection, sql);

    /// <inheritdoc/>
    public async Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken)
    {
        await using var connection = await journal.Database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT j.ordering, j.persistence_id, j.sequence_nr, j.manifest, j.payload, j.created_at,
                   (SELECT group_concat(t.tag, char(31)) FROM event_tag t WHERE t.ordering = j.ordering)
              FROM event_journal j
             WHERE j.ordering > $ordering
             ORDER BY j.ordering
             LIMIT $max
            """;
        command.Parameters.AddWithValue("$ordering", after.Ordering);
        command.Parameters.AddWithValue("$max", max);
        var events = new List<ProjectedEvent>();
        var (read, last, lastAt) = (0, ProjectionOffset.Start, DateTimeOffset.MinValue);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            read++;
            last = new ProjectionOffset(0, reader.GetInt64(0));
            lastAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5));
            var manifest = reader.GetString(3);
            if (!include(manifest))
            {
                continue;
            }

            events.Add(new ProjectedEvent(
                last,
                reader.GetString(1),
                reader.GetInt64(2),
                manifest,
                (byte[])reader.GetValue(4),
                lastAt,
                ProjectedEvent.ParseTags(reader.IsDBNull(6) ? null : reader.GetString(6)),
                journal.Serializer));
        }

        return new ProjectionBatch(events, read, last, lastAt);
    }

    /// <inheritdoc/>
    public async Task<ProjectionOffset> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await journal.Database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM event_journal";
        return new ProjectionOffset(0, (long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <inheritdoc/>
    public async Task<ProjectionOffset> LoadOffsetAsync(string projection, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT last_ordering FROM projection_offset WHERE projection_name = $name";
        ((SqliteCommand)command).Parameters.AddWithValue("$name", projection);
        return await command.ExecuteScalarAsync(cancellationToken) is long ordering ? new ProjectionOffset(0, ordering) : ProjectionOffset.Start;
    }

    /// <inheritdoc/>
    public async Task SaveOffsetAsync(string projection, ProjectionOffset offset, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO projection_offset (projection_name, last_ordering, updated_at) VALUES ($name, $ordering, $at)
            ON CONFLICT (projection_name) DO UPDATE SET last_ordering = excluded.last_ordering, updated_at = excluded.updated_at
            """;
        var parameters = ((SqliteCommand)command).Parameters;
        parameters.AddWithValue("$name", projection);
        parameters.AddWithValue("$ordering", offset.Ordering);
        parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
