using System.Data.Common;
using ActorTrading.Persistence.Projections;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// Reads the journal for projections in ordering order (SQLite serializes writers, so the ordering is also the commit
/// order and a reader can never see a later event before an earlier one), and keeps their read tables and offsets in a
/// file of their own (<see cref="SqliteStoreSettings.ReadModelPath"/>): the journal's writer and the projections' each
/// have a file's one write lock to themselves.
/// </summary>
public sealed class SqliteProjectionStore : IProjectionStore, IAsyncDisposable
{
    private readonly SqliteJournal _journal;
    private readonly SqliteDatabase _readModel;

    private SqliteProjectionStore(SqliteJournal journal, SqliteDatabase readModel)
    {
        _journal = journal;
        _readModel = readModel;
    }

    /// <inheritdoc/>
    public event Action? EventsWritten
    {
        add => _journal.EventsWritten += value;
        remove => _journal.EventsWritten -= value;
    }

    /// <inheritdoc/>
    public ProjectionDialect Dialect => ProjectionDialect.Sqlite;

    /// <summary>The read tables' file.</summary>
    public string ReadModelPath => _readModel.Path;

    /// <summary>How long projections have held the read tables' one write lock, in total.</summary>
    public TimeSpan WriteLockHeld => _readModel.WriteLockHeld;

    /// <summary>
    /// Opens (creating or migrating) the read tables' file of <paramref name="journal"/>. The file remembers the journal
    /// it was built from: beside another journal (the journal's file deleted or restored from elsewhere, the read tables
    /// kept) its offsets would skip events and its tables would hold users and tokens the journal never had, so opening
    /// it then fails, naming both files.
    /// </summary>
    public static async Task<SqliteProjectionStore> OpenAsync(SqliteJournal journal, CancellationToken cancellationToken = default)
    {
        var readModel = new SqliteDatabase(journal.Database.Settings, readModel: true);
        try
        {
            await readModel.MigrateAsync(cancellationToken);
            await CheckBuiltFromAsync(journal.Database, readModel, cancellationToken);
            return new SqliteProjectionStore(journal, readModel);
        }
        catch
        {
            readModel.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken) => _readModel.EnterWriteAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await _readModel.OpenAsync(cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Read-only, with the journal's file attached as <c>journal</c>, so that a query sees its tables too
    /// (<c>event_journal</c>). Such connections are pooled apart from the projections' own: a write transaction on one
    /// would take the write locks of both files.</remarks>
    public async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = await _readModel.OpenReadOnlyAsync(cancellationToken);
        try
        {
            await using var attached = connection.CreateCommand();
            attached.CommandText = "SELECT COUNT(*) FROM pragma_database_list WHERE name = 'journal'";
            if ((long)(await attached.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                // A pooled connection keeps what was attached to it.
                await using var attach = connection.CreateCommand();
                attach.CommandText = "ATTACH DATABASE $path AS journal";
                attach.Parameters.AddWithValue("$path", Path.GetFullPath(_journal.Database.Path));
                await attach.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public IProjectionStatement? Prepare(DbConnection connection, string sql) => SqliteStatement.Prepare((SqliteConnection)connection, sql);

    /// <inheritdoc/>
    /// <remarks>Events this process committed last are served from memory while the reader keeps up (<see cref="RecentlyCommitted"/>).</remarks>
    public async Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken)
    {
        if (_journal.Recent.TryRead(after, max, include) is { } recent)
        {
            return recent;
        }

        await using var connection = await _journal.Database.OpenAsync(cancellationToken);
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
                _journal.Serializer));
        }

        return new ProjectionBatch(events, read, last, lastAt);
    }

    /// <inheritdoc/>
    public async Task<ProjectionOffset> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _journal.Database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM event_journal";
        return new ProjectionOffset(0, (long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _readModel.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task CheckBuiltFromAsync(SqliteDatabase journal, SqliteDatabase readModel, CancellationToken cancellationToken)
    {
        string journalId;
        await using (var connection = await journal.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT journal_id FROM journal_identity";
            journalId = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        using var gate = await readModel.EnterWriteAsync(cancellationToken);
        await using var target = await readModel.OpenAsync(cancellationToken);
        await using var transaction = target.BeginTransaction(deferred: false);
        await using var read = target.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT journal_id FROM built_from";
        if (await read.ExecuteScalarAsync(cancellationToken) is string builtFrom)
        {
            if (builtFrom != journalId)
            {
                throw new InvalidOperationException(
                    $"the read tables in {Path.GetFullPath(readModel.Path)} were built from another journal ({builtFrom}) than {Path.GetFullPath(journal.Path)} ({journalId}); "
                    + "move that file away (the read tables are rebuilt from the journal) or put back the journal they belong to");
            }

            return;
        }

        // A new file, or one made before the check (its offsets then cannot be trusted either: start again from zero).
        await using var claim = target.CreateCommand();
        claim.Transaction = transaction;
        claim.CommandText = "DELETE FROM projection_offset; INSERT INTO built_from (journal_id) VALUES ($id)";
        claim.Parameters.AddWithValue("$id", journalId);
        await claim.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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
