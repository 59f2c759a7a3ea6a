using ActorTrading.Persistence.Sqlite;
using Npgsql;

namespace ActorTrading.Persistence.Hosting;

/// <summary>Another node already runs on the store; the message names the store and says why that is refused.</summary>
public sealed class StoreInUseException(string message) : Exception(message);

/// <summary>The store cannot be reached or opened at start (PostgreSQL down or refusing the login, a data directory that
/// cannot be written); the message names the store (never a password) and the cause.</summary>
public sealed class StoreUnavailableException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>
/// Until the cluster exists, one node per store: two nodes on one journal would each believe they own every entity, and
/// the journal's single-writer guard would only stop the second one at its first write, after it had accepted signals.
/// The lock is held for the node's life and released by the operating system or the server when the process dies, so a
/// crashed node never blocks its restart. SQLite: an exclusive lock on <c>node.lock</c> in the data directory.
/// PostgreSQL: a session advisory lock on a connection of its own (advisory locks are per database): exclusive for a single
/// node, shared by the members of a cluster (the shard leases keep them apart), so neither kind starts beside the other.
/// </summary>
public sealed class SingleNodeLock : IAsyncDisposable
{
    /// <summary>The lock file's name inside the data directory.</summary>
    public const string LockFileName = "node.lock";

    // Any fixed 64-bit number that no other application on the database is likely to use: "ActorTrd" in ASCII.
    private const long AdvisoryLockKey = 0x4163_746F_7254_7264;

    private const string Refusal = "one node runs per store unless every node on it runs with --cluster";

    private readonly IAsyncDisposable _held;

    private SingleNodeLock(IAsyncDisposable held) => _held = held;

    /// <summary>Takes the lock of the store <paramref name="options"/> select, or throws <see cref="StoreInUseException"/>.</summary>
    public static async Task<SingleNodeLock> AcquireAsync(DurableStoreOptions options, CancellationToken cancellationToken = default) =>
        new(options.UsesPostgres ? await LockDatabaseAsync(options.PostgresConnectionString ?? string.Empty, options.Clustered, cancellationToken) : LockDirectory(options.DataDirectory));

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _held.DisposeAsync();

    private static FileStream LockDirectory(string dataDirectory)
    {
        OwnerOnlyFiles.CreateDirectory(dataDirectory);
        OwnerOnlyFiles.CreateFile(Path.Combine(dataDirectory, LockFileName));
        var path = Path.GetFullPath(Path.Combine(dataDirectory, LockFileName));
        try
        {
            // FileShare.None takes an exclusive flock on Unix (a lock file on Windows): held until the process ends.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            throw new StoreInUseException($"another node is already running on the data directory {Path.GetFullPath(dataDirectory)} (it holds {path}); {Refusal}");
        }
    }

    private static async Task<NpgsqlConnection> LockDatabaseAsync(string connectionString, bool shared, CancellationToken cancellationToken)
    {
        // Not pooled: closing the connection is what releases the lock, and a pooled one would keep it for the next user.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "actortrading single-node lock" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(shared ? "SELECT pg_try_advisory_lock_shared(@key)" : "SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return connection;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        throw new StoreInUseException(shared
            ? $"a single node (not --cluster) is already running on PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} (it holds the advisory lock {AdvisoryLockKey}); {Refusal}"
            : $"another node is already running on PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} (it holds the advisory lock {AdvisoryLockKey}); {Refusal}");
    }
}
