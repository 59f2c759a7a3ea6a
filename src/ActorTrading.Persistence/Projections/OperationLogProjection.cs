using System.Text;

namespace ActorTrading.Persistence.Projections;

/// <summary>
/// The operation log: one row per event of every entity, the one place an operator sees everything that
/// happened, in order (<c>SELECT * FROM operation_log WHERE persistence_id = … ORDER BY ordering</c>).
/// The stored JSON is what the journal holds; events carry no secret in clear (invariant I6), so neither does this.
/// </summary>
public sealed class OperationLogProjection(Func<string, bool>? include = null) : IProjection
{
    /// <inheritdoc/>
    public string Name => "operation_log";

    /// <inheritdoc/>
    public string Schema(ProjectionDialect dialect) => dialect == ProjectionDialect.Postgres
        ? """
          CREATE TABLE IF NOT EXISTS operation_log (
              ordering       bigint       PRIMARY KEY,
              at             timestamptz  NOT NULL,
              persistence_id varchar(255) NOT NULL,
              sequence_nr    bigint       NOT NULL,
              event_type     varchar(500) NOT NULL,
              details        jsonb        NOT NULL
          );
          CREATE INDEX IF NOT EXISTS operation_log_by_entity ON operation_log (persistence_id, sequence_nr);
          """
        : """
          CREATE TABLE IF NOT EXISTS operation_log (
              ordering       INTEGER PRIMARY KEY,
              at             TEXT    NOT NULL,
              persistence_id TEXT    NOT NULL,
              sequence_nr    INTEGER NOT NULL,
              event_type     TEXT    NOT NULL,
              details        TEXT    NOT NULL
          );
          CREATE INDEX IF NOT EXISTS operation_log_by_entity ON operation_log (persistence_id, sequence_nr);
          """;

    /// <inheritdoc/>
    public bool Includes(string manifest) => include?.Invoke(manifest) ?? true;

    /// <inheritdoc/>
    public async Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken)
    {
        if (!Includes(@event.Manifest))
        {
            return;
        }

        // A plain INSERT, not an upsert: applying an event twice would violate the key and fail loudly.
        var postgres = transaction.Dialect == ProjectionDialect.Postgres;
        await transaction.ExecuteAsync(
            postgres
                ? "INSERT INTO operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) VALUES (@ordering, @at, @pid, @seq, @type, CAST(@details AS jsonb))"
                : "INSERT INTO operation_log (ordering, at, persistence_id, sequence_nr, event_type, details) VALUES (@ordering, @at, @pid, @seq, @type, @details)",
            [("ordering", @event.Offset.Ordering),
             ("at", postgres ? @event.Timestamp : @event.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
             ("pid", @event.PersistenceId),
             ("seq", @event.SequenceNr),
             ("type", @event.Manifest),
             ("details", Encoding.UTF8.GetString(@event.PayloadJson))],
            cancellationToken);
    }
}
