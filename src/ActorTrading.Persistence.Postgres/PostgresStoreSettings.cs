namespace ActorTrading.Persistence.Postgres;

/// <summary>Settings of the PostgreSQL stores. Every key, its default and why.</summary>
public sealed record PostgresStoreSettings
{
    /// <summary>An Npgsql connection string (for scripts: the environment variable <c>ACTORTRADING_POSTGRES</c>).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Largest number of events one transaction carries. Default 2,000.</summary>
    public int MaxEventsPerBatch { get; init; } = 2_000;

    /// <summary>Transactions in flight at once. Each takes whatever queued while the others committed. Default 2.</summary>
    public int Writers { get; init; } = 2;

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("ConnectionString must not be empty", nameof(ConnectionString));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerBatch, 1, nameof(MaxEventsPerBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(Writers, 1, nameof(Writers));
    }
}
