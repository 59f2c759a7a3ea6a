using System.Data.Common;

namespace ActorTrading.Persistence.Projections;

/// <summary>What a projection runner needs from a store: reading the journal in a gap-free order and keeping offsets.</summary>
public interface IProjectionStore
{
    /// <summary>The store's SQL dialect.</summary>
    ProjectionDialect Dialect { get; }

    /// <summary>A new open connection to the read tables, for projections to write them.</summary>
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A new open connection for reading the read tables and the journal beside them (the API's queries, an
    /// operator's); never for writing. By default <see cref="OpenAsync"/>: both are in one database.</summary>
    Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>Up to <paramref name="max"/> events after <paramref name="after"/>, in order, only from transactions
    /// that can no longer be overtaken by a later commit; of those, the ones whose stored name <paramref name="include"/>
    /// accepts are read whole, the others only counted (their payloads are never loaded).</summary>
    Task<ProjectionBatch> ReadAfterAsync(ProjectionOffset after, int max, Func<string, bool> include, CancellationToken cancellationToken);

    /// <summary>The newest position in the journal (for lag).</summary>
    Task<ProjectionOffset> ReadHeadAsync(CancellationToken cancellationToken);

    /// <summary>The stored offset of a projection, read in its transaction.</summary>
    Task<ProjectionOffset> LoadOffsetAsync(string projection, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Stores the offset of a projection in the same transaction as its rows.</summary>
    Task SaveOffsetAsync(string projection, ProjectionOffset offset, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Held while a projection writes its batch. A store whose writers exclude each other (SQLite: one writer per file)
    /// queues them here in turn, instead of letting them wait inside the database, which retries by sleeping.
    /// </summary>
    Task<IDisposable> EnterWriteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="sql"/> compiled on <paramref name="connection"/> for statements that bind their own values, or null
    /// (the default) when the store runs every statement through ADO.NET.
    /// </summary>
    IProjectionStatement? Prepare(DbConnection connection, string sql) => null;

    /// <summary>Signalled after events were committed in this process (wake-up only; the poll is the backstop).</summary>
    event Action? EventsWritten;
}

/// <summary>What one read of the journal gave a projection.</summary>
/// <param name="Events">The events it includes, in order.</param>
/// <param name="Read">Events read, included or not.</param>
/// <param name="Last">The last event read (the new offset once the batch is applied); <see cref="ProjectionOffset.Start"/> when none was.</param>
/// <param name="LastTimestamp">When that event was written.</param>
public sealed record ProjectionBatch(IReadOnlyList<ProjectedEvent> Events, int Read, ProjectionOffset Last, DateTimeOffset LastTimestamp);
