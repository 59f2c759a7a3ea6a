using System.Data.Common;

namespace ActorTrading.Persistence.Projections;

/// <summary>An event as a projection sees it: its place in the global order, its payload and the payload's stored JSON.</summary>
public sealed record ProjectedEvent(
    ProjectionOffset Offset,
    string PersistenceId,
    long SequenceNr,
    string Manifest,
    object Payload,
    byte[] PayloadJson,
    DateTimeOffset Timestamp,
    IReadOnlySet<string> Tags);

/// <summary>
/// Where a projection has got to in the journal. On PostgreSQL the order is (committing transaction id,
/// ordering), read only below the oldest transaction still running, so that a transaction that commits
/// late can never be skipped; on SQLite, whose writers are serialized, the ordering alone.
/// </summary>
public readonly record struct ProjectionOffset(ulong TxId, long Ordering) : IComparable<ProjectionOffset>
{
    /// <summary>Before the first event.</summary>
    public static ProjectionOffset Start => default;

    /// <inheritdoc/>
    public int CompareTo(ProjectionOffset other) => TxId != other.TxId ? TxId.CompareTo(other.TxId) : Ordering.CompareTo(other.Ordering);

    /// <summary>Earlier in the journal.</summary>
    public static bool operator <(ProjectionOffset left, ProjectionOffset right) => left.CompareTo(right) < 0;

    /// <summary>Later in the journal.</summary>
    public static bool operator >(ProjectionOffset left, ProjectionOffset right) => left.CompareTo(right) > 0;

    /// <summary>Not later.</summary>
    public static bool operator <=(ProjectionOffset left, ProjectionOffset right) => left.CompareTo(right) <= 0;

    /// <summary>Not earlier.</summary>
    public static bool operator >=(ProjectionOffset left, ProjectionOffset right) => left.CompareTo(right) >= 0;

    /// <inheritdoc/>
    public override string ToString() => TxId == 0 ? $"#{Ordering}" : $"tx {TxId} #{Ordering}";
}

/// <summary>
/// A read model maintained from the journal: it turns events into rows of plain tables that the API,
/// the CLI and operators' SQL read. Its rows and its offset are written in one transaction, so an
/// event is applied exactly once even across crashes. Write SQL that both stores understand
/// (<c>INSERT … ON CONFLICT … DO UPDATE</c>, <c>@name</c> parameters).
/// </summary>
public interface IProjection
{
    /// <summary>A stable name; the stored offset is kept under it.</summary>
    string Name { get; }

    /// <summary>The read tables, created if missing (idempotent DDL, run at start-up before catching up).</summary>
    string Schema(ProjectionDialect dialect);

    /// <summary>Applies one event inside the batch's transaction; events it does not care about are ignored.</summary>
    Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>
/// The transaction a batch of events is applied in, with its dialect. Statements given to
/// <see cref="ExecuteAsync"/> on PostgreSQL are gathered and sent as one batch (one round trip for the
/// whole batch of events) when the runner flushes before committing; on SQLite, which is in-process,
/// they run at once.
/// </summary>
public sealed class ProjectionTransaction(DbConnection connection, DbTransaction transaction, ProjectionDialect dialect)
{
    private DbBatch? _batch;

    /// <summary>The connection.</summary>
    public DbConnection Connection { get; } = connection;

    /// <summary>The transaction.</summary>
    public DbTransaction Transaction { get; } = transaction;

    /// <summary>The dialect.</summary>
    public ProjectionDialect Dialect { get; } = dialect;

    /// <summary>Runs (or queues, see the type) one statement with <c>@name</c> parameters.</summary>
    public async ValueTask ExecuteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        if (Connection.CanCreateBatch)
        {
            _batch ??= CreateBatch();
            var command = _batch.CreateBatchCommand();
            command.CommandText = sql;
            Bind(command.Parameters, command.CreateParameter, parameters);
            _batch.BatchCommands.Add(command);
            return;
        }

        await using var single = Connection.CreateCommand();
        single.Transaction = Transaction;
        single.CommandText = sql;
        Bind(single.Parameters, single.CreateParameter, parameters);
        await single.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sends what is queued.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch is { BatchCommands.Count: > 0 } batch)
        {
            _batch = null;
            await using (batch)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static void Bind(DbParameterCollection target, Func<DbParameter> create, IEnumerable<(string Name, object? Value)> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            target.Add(parameter);
        }
    }

    private DbBatch CreateBatch()
    {
        var batch = Connection.CreateBatch();
        batch.Transaction = Transaction;
        return batch;
    }
}

/// <summary>The SQL dialect a projection's schema is written for.</summary>
public enum ProjectionDialect
{
    /// <summary>PostgreSQL.</summary>
    Postgres,

    /// <summary>SQLite.</summary>
    Sqlite,
}
