using System.Data.Common;

namespace ActorTrading.Persistence.Projections;

/// <summary>
/// An event as a projection sees it: its place in the global order, its stored JSON and, read on first use, its
/// payload. Most projections want a few kinds of event: looking at <see cref="Manifest"/> first spares the others
/// the deserialization.
/// </summary>
public sealed class ProjectedEvent(
    ProjectionOffset offset,
    string persistenceId,
    long sequenceNr,
    string manifest,
    byte[] payloadJson,
    DateTimeOffset timestamp,
    IReadOnlySet<string> tags,
    EventSerializer serializer)
{
    private static readonly IReadOnlySet<string> s_noTags = new HashSet<string>();
    private object? _payload;
    private byte[]? _payloadJson = payloadJson;

    /// <summary>
    /// An event this process has just committed, as a projection would read it back: its payload is the object that was
    /// written (events are immutable records, and the serializer reads back what it wrote), and its JSON is made again
    /// only if asked for (serialization is deterministic). Spares reading and deserializing what is still in memory.
    /// </summary>
    public static ProjectedEvent Written(ProjectionOffset offset, string persistenceId, long sequenceNr, string manifest, object payload, DateTimeOffset timestamp,
        IReadOnlySet<string> tags, EventSerializer serializer) =>
        new(offset, persistenceId, sequenceNr, manifest, null!, timestamp, tags.Count == 0 ? s_noTags : tags, serializer) { _payload = payload, _payloadJson = null };

    /// <summary>The event's place in the journal.</summary>
    public ProjectionOffset Offset { get; } = offset;

    /// <summary>The entity that wrote it.</summary>
    public string PersistenceId { get; } = persistenceId;

    /// <summary>Its sequence number in that entity.</summary>
    public long SequenceNr { get; } = sequenceNr;

    /// <summary>Its stored type name and version (<c>bot.created.v1</c>).</summary>
    public string Manifest { get; } = manifest;

    /// <summary>The stored JSON.</summary>
    public byte[] PayloadJson => _payloadJson ??= serializer.Serialize(_payload!).Payload;

    /// <summary>When it was written.</summary>
    public DateTimeOffset Timestamp { get; } = timestamp;

    /// <summary>Its tags.</summary>
    public IReadOnlySet<string> Tags { get; } = tags;

    /// <summary>The event, deserialized on first use.</summary>
    public object Payload => _payload ??= serializer.Deserialize(Manifest, PayloadJson);

    /// <summary>Tags as the stores read them: <paramref name="joined"/> separated by U+001F, or none.</summary>
    public static IReadOnlySet<string> ParseTags(string? joined) =>
        string.IsNullOrEmpty(joined) ? s_noTags : new HashSet<string>(joined.Split('\u001f'), StringComparer.Ordinal);

    /// <summary>Tags as PostgreSQL returns them (an array), or none.</summary>
    public static IReadOnlySet<string> ParseTags(string[] tags) => tags.Length == 0 ? s_noTags : new HashSet<string>(tags, StringComparer.Ordinal);
}

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

    /// <summary>Whether events stored under <paramref name="manifest"/> matter to it; the others are never loaded. Default: all.</summary>
    bool Includes(string manifest) => true;

    /// <summary>The read tables, created if missing (idempotent DDL, run at start-up before catching up).</summary>
    string Schema(ProjectionDialect dialect);

    /// <summary>Applies one event inside the batch's transaction; events it does not care about are ignored.</summary>
    Task ApplyAsync(ProjectedEvent @event, ProjectionTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a batch of events, in order, inside one transaction. By default one <see cref="ApplyAsync"/> after
    /// another; a projection that can write many events of a kind as one set-based statement overrides it (the
    /// result must be the same as applying them one by one).
    /// </summary>
    async Task ApplyBatchAsync(IReadOnlyList<ProjectedEvent> events, ProjectionTransaction transaction, CancellationToken cancellationToken)
    {
        foreach (var @event in events)
        {
            await ApplyAsync(@event, transaction, cancellationToken);
        }
    }
}

/// <summary>
/// The transaction a batch of events is applied in, with its dialect. Statements given to
/// <see cref="ExecuteAsync"/> on PostgreSQL are gathered and sent as one batch (one round trip for the
/// whole batch of events) when the runner flushes before committing; on SQLite, which is in-process,
/// they run at once, each distinct statement compiled once per batch (by <paramref name="prepare"/>, the store's
/// own statements, when it has them).
/// </summary>
public sealed class ProjectionTransaction(DbConnection connection, DbTransaction transaction, ProjectionDialect dialect, Func<string, IProjectionStatement?>? prepare = null)
    : IAsyncDisposable
{
    private DbBatch? _batch;
    private Dictionary<string, DbCommand>? _prepared;
    private Dictionary<string, IProjectionStatement?>? _statements;

    /// <summary>The connection.</summary>
    public DbConnection Connection { get; } = connection;

    /// <summary>The transaction.</summary>
    public DbTransaction Transaction { get; } = transaction;

    /// <summary>The dialect.</summary>
    public ProjectionDialect Dialect { get; } = dialect;

    /// <summary>Runs (or queues, see the type) one statement with <c>@name</c> parameters.</summary>
    public async ValueTask ExecuteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Connection.CanCreateBatch)
        {
            _batch ??= CreateBatch();
            var command = _batch.CreateBatchCommand();
            command.CommandText = sql;
            Bind(command.Parameters, command.CreateParameter, parameters);
            _batch.BatchCommands.Add(command);
            return;
        }

        // A batch applies the same few statements thousands of times: each is compiled once and only its values change.
        if (prepare is not null)
        {
            _statements ??= new Dictionary<string, IProjectionStatement?>(StringComparer.Ordinal);
            if (!_statements.TryGetValue(sql, out var statement))
            {
                statement = _statements[sql] = prepare(sql);
            }

            if (statement is not null && statement.TryExecute(parameters as IReadOnlyList<(string, object?)> ?? [.. parameters]))
            {
                return;
            }
        }

        _prepared ??= new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        if (!_prepared.TryGetValue(sql, out var single))
        {
            single = Connection.CreateCommand();
            single.Transaction = Transaction;
            single.CommandText = sql;
            _prepared[sql] = single;
        }

        if (!TryRebind(single.Parameters, parameters))
        {
            single.Parameters.Clear();

            // With its prefix the driver finds a parameter at once; without, it tries each prefix, allocating as it goes.
            Bind(single.Parameters, single.CreateParameter, parameters.Select(p => (p.Name[0] is '@' or '$' or ':' ? p.Name : "@" + p.Name, p.Value)));
        }

        await single.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sends what is queued, and releases the statements compiled for the batch.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch is { BatchCommands.Count: > 0 } batch)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await DisposeAsync();
    }

    /// <summary>Releases the compiled statements and drops what is queued (a batch that failed before its flush).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var statement in _statements?.Values ?? Enumerable.Empty<IProjectionStatement?>())
        {
            statement?.Dispose();
        }

        foreach (var command in _prepared?.Values ?? Enumerable.Empty<DbCommand>())
        {
            await command.DisposeAsync();
        }

        if (_batch is { } batch)
        {
            await batch.DisposeAsync();
        }

        (_statements, _prepared, _batch) = (null, null, null);
    }

    private static bool TryRebind(DbParameterCollection bound, IEnumerable<(string Name, object? Value)> parameters)
    {
        var count = 0;
        foreach (var (name, _) in parameters)
        {
            if (count >= bound.Count || !SameName(bound[count].ParameterName, name))
            {
                return false;
            }

            count++;
        }

        if (count != bound.Count)
        {
            return false;
        }

        var index = 0;
        foreach (var (_, value) in parameters)
        {
            bound[index++].Value = value ?? DBNull.Value;
        }

        return true;

        static bool SameName(string bound, string name) =>
            bound == name || (bound.Length == name.Length + 1 && bound[0] == '@' && bound.AsSpan(1).SequenceEqual(name));
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
