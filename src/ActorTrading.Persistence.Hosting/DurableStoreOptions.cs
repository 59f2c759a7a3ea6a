namespace ActorTrading.Persistence.Hosting;

/// <summary>Where a node keeps its events. Every key, its default and why. A node sets them from its own settings (the
/// environment variables are mapped onto those, in one place, by the node).</summary>
public sealed record DurableStoreOptions
{
    /// <summary>The SQLite file's name inside <see cref="DataDirectory"/>.</summary>
    public const string SqliteFileName = "actortrading.db";

    /// <summary>A PostgreSQL connection string. Set: PostgreSQL holds the events (required for a cluster).
    /// Unset (default): the embedded SQLite file, nothing to install.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>The node's data directory, created when missing. Default <c>./data</c>.</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Transactions in flight at once on PostgreSQL. Default 2.</summary>
    public int PostgresWriters { get; init; } = 2;

    /// <summary>Events per transaction, either store. Default 2,000.</summary>
    public int MaxEventsPerBatch { get; init; } = 2_000;

    /// <summary>The node is a member of a cluster: it shares PostgreSQL with the other members (the shard leases decide who
    /// writes which entity) and refuses only a single node on the same database. Default false: one node per store.</summary>
    public bool Clustered { get; init; }

    /// <summary>Whether PostgreSQL is selected.</summary>
    public bool UsesPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);

    /// <summary>The SQLite file.</summary>
    public string SqlitePath => Path.Combine(DataDirectory, SqliteFileName);
}
