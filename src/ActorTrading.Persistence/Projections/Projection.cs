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

/// <summary>The transaction a batch of events is applied in, with its dialect.</summary>
public sealed record ProjectionTransaction(DbConnection Connection, DbTransaction Transaction, ProjectionDialect Dialect)
{
    /// <summary>A command enlisted in the transaction, with <c>@name</c> parameters.</summary>
    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
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
