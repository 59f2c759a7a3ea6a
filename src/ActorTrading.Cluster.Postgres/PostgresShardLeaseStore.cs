using ActorTrading.Actors.Persistence;
using Npgsql;

namespace ActorTrading.Cluster.Postgres;

/// <summary>A row of <c>shard_lease_history</c>: who got (or gave back) a shard at which epoch, and why.</summary>
/// <param name="Epoch">The epoch the change made.</param>
/// <param name="OwnerIncarnation">The acquirer; for a <c>hand-off</c>, the member that gave the shard back.</param>
/// <param name="Reason"><c>allocate</c> (the shard was free), <c>takeover</c> (from a member that was not live) or <c>hand-off</c>.</param>
/// <param name="At">When, by the database clock.</param>
public sealed record ShardLeaseHistoryEntry(long Epoch, long? OwnerIncarnation, string Reason, DateTimeOffset At);

/// <summary>
/// Shard ownership as lease rows with fencing epochs (CLUSTER.md). A member acquires a shard only when it is <c>up</c> with
/// an unexpired lease and the shard is free or its owner is not a live, unexpired member. Unlike CLUSTER.md's statement, an
/// expired owner counts as live during <see cref="ClusterSettings.RestartDowningGrace"/> after PostgreSQL started, the same
/// guard as downing: otherwise after a long outage the first member to renew would take every other member's shards
/// before they could renew. Every change of hands makes the
/// epoch one higher and writes a history row in the same transaction, then NOTIFY. The journal's fence trigger refuses any
/// write under an older epoch, so a zombie owner cannot write after a takeover.
/// </summary>
public sealed class PostgresShardLeaseStore
{
    private const string AcquireLease = """
        UPDATE shard_lease s
           SET owner_incarnation = @me, epoch = s.epoch + 1, state = 'active', target_incarnation = NULL, changed_at = now()
         WHERE s.type_name = @type AND s.shard_id = @shard
           AND (s.owner_incarnation IS NULL OR NOT EXISTS (
                SELECT 1 FROM cluster_member m
                 WHERE m.incarnation = s.owner_incarnation
                   AND m.status IN ('up','leaving','exiting')
                   AND (m.lease_expires_at > now() OR now() <= pg_postmaster_start_time() + make_interval(secs => @grace))))
           AND EXISTS (SELECT 1 FROM cluster_member me
                        WHERE me.incarnation = @me AND me.status = 'up' AND me.lease_expires_at > now())
        RETURNING epoch
        """;

    private const string ReleaseLease = """
        UPDATE shard_lease SET owner_incarnation = NULL, epoch = epoch + 1, state = 'unallocated', target_incarnation = NULL,
               changed_at = now()
         WHERE type_name = @type AND shard_id = @shard AND owner_incarnation = @me AND epoch = @epoch
        RETURNING epoch
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterSettings _settings;

    /// <summary>A store on <paramref name="dataSource"/> (the caller owns it and has migrated it: <see cref="ClusterSchema.MigrateAsync"/>).</summary>
    public PostgresShardLeaseStore(NpgsqlDataSource dataSource, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _dataSource = dataSource;
        _settings = settings;
    }

    /// <summary>Acquires the shard for <paramref name="incarnation"/> (allocation of a free shard, or takeover from an owner
    /// that is not a live, unexpired member) and returns the lease it writes under; the lease it already holds when it is
    /// the owner; null when another live member holds it or <paramref name="incarnation"/> is not up with an unexpired lease.</summary>
    public async Task<WriterLease?> TryAcquireAsync(string typeName, int shardId, long incarnation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var ensure = new NpgsqlCommand("INSERT INTO shard_lease (type_name, shard_id) VALUES (@type, @shard) ON CONFLICT DO NOTHING", connection))
        {
            ensure.Parameters.AddWithValue("type", typeName);
            ensure.Parameters.AddWithValue("shard", shardId);
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Locked for the transaction: the owner read here is the one the update replaces (it names the history's reason).
        long? owner;
        long epoch;
        string state;
        await using (var current = new NpgsqlCommand("SELECT owner_incarnation, epoch, state FROM shard_lease WHERE type_name = @type AND shard_id = @shard FOR UPDATE", connection, transaction))
        {
            current.Parameters.AddWithValue("type", typeName);
            current.Parameters.AddWithValue("shard", shardId);
            await using var reader = await current.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            owner = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            epoch = reader.GetInt64(1);
            state = reader.GetString(2);
        }

        if (owner == incarnation && state == "active")
        {
            // Asked again (after a failed write, or a restart of the shard): the same lease, if we are still live.
            await using var live = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM cluster_member WHERE incarnation = @me AND status IN ('up','leaving','exiting') AND lease_expires_at > now())", connection, transaction);
            live.Parameters.AddWithValue("me", incarnation);
            var isLive = await live.ExecuteScalarAsync(cancellationToken) is true;
            await transaction.CommitAsync(cancellationToken);
            return isLive ? new WriterLease(typeName, shardId, incarnation, epoch) : null;
        }

        long granted;
        await using (var acquire = new NpgsqlCommand(AcquireLease, connection, transaction))
        {
            acquire.Parameters.AddWithValue("type", typeName);
            acquire.Parameters.AddWithValue("shard", shardId);
            acquire.Parameters.AddWithValue("me", incarnation);
            acquire.Parameters.AddWithValue("grace", _settings.RestartDowningGrace.TotalSeconds);
            if (await acquire.ExecuteScalarAsync(cancellationToken) is not long next)
            {
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }

            granted = next;
        }

        await RecordAsync(connection, transaction, typeName, shardId, granted, incarnation, owner is null ? "allocate" : "takeover", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WriterLease(typeName, shardId, incarnation, granted);
    }

    /// <summary>Gives the shard back after its entities stopped (graceful hand-off): only if <paramref name="lease"/> is still
    /// its current lease. The epoch grows, so nothing can write under the released lease. False when it was not current.</summary>
    public async Task<bool> ReleaseAsync(WriterLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var release = new NpgsqlCommand(ReleaseLease, connection, transaction))
        {
            release.Parameters.AddWithValue("type", lease.ShardType);
            release.Parameters.AddWithValue("shard", lease.ShardId);
            release.Parameters.AddWithValue("me", lease.Incarnation);
            release.Parameters.AddWithValue("epoch", lease.Epoch);
            if (await release.ExecuteScalarAsync(cancellationToken) is not long released)
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }

            await RecordAsync(connection, transaction, lease.ShardType, lease.ShardId, released, lease.Incarnation, "hand-off", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Every lease row of <paramref name="typeName"/>, by shard.</summary>
    public Task<IReadOnlyList<ShardLease>> ReadLeasesAsync(string typeName, CancellationToken cancellationToken = default) =>
        ReadAsync("type_name = @key", typeName, cancellationToken);

    /// <summary>The lease row of one shard; null when no member ever asked for it.</summary>
    public async Task<ShardLease?> ReadLeaseAsync(string typeName, int shardId, CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand("SELECT type_name, shard_id, owner_incarnation, epoch, state FROM shard_lease WHERE type_name = @type AND shard_id = @shard");
        read.Parameters.AddWithValue("type", typeName);
        read.Parameters.AddWithValue("shard", shardId);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ShardLease(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4))
            : null;
    }

    /// <summary>Every lease row, by type and shard.</summary>
    public Task<IReadOnlyList<ShardLease>> ReadAllLeasesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync("@key", true, cancellationToken);

    /// <summary>Every lease <paramref name="incarnation"/> holds, by type and shard.</summary>
    public Task<IReadOnlyList<ShardLease>> ReadLeasesOwnedByAsync(long incarnation, CancellationToken cancellationToken = default) =>
        ReadAsync("owner_incarnation = @key", incarnation, cancellationToken);

    /// <summary>The history of one shard's lease, oldest epoch first.</summary>
    public async Task<IReadOnlyList<ShardLeaseHistoryEntry>> ReadHistoryAsync(string typeName, int shardId, CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand("SELECT epoch, owner_incarnation, reason, at FROM shard_lease_history WHERE type_name = @type AND shard_id = @shard ORDER BY epoch");
        read.Parameters.AddWithValue("type", typeName);
        read.Parameters.AddWithValue("shard", shardId);
        var history = new List<ShardLeaseHistoryEntry>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return history;
    }

    private async Task<IReadOnlyList<ShardLease>> ReadAsync<T>(string where, T key, CancellationToken cancellationToken)
    {
        await using var read = _dataSource.CreateCommand($"SELECT type_name, shard_id, owner_incarnation, epoch, state FROM shard_lease WHERE {where} ORDER BY type_name, shard_id");
        read.Parameters.AddWithValue("key", key as object ?? DBNull.Value);
        var leases = new List<ShardLease>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(new(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        }

        return leases;
    }

    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string typeName, int shardId, long epoch, long incarnation, string reason, CancellationToken cancellationToken)
    {
        await using var record = new NpgsqlCommand("""
            INSERT INTO shard_lease_history (type_name, shard_id, epoch, owner_incarnation, reason) VALUES (@type, @shard, @epoch, @owner, @reason);
            SELECT pg_notify(@channel, @type || '/' || @shard::text);
            """, connection, transaction);
        record.Parameters.AddWithValue("type", typeName);
        record.Parameters.AddWithValue("shard", shardId);
        record.Parameters.AddWithValue("epoch", epoch);
        record.Parameters.AddWithValue("owner", incarnation);
        record.Parameters.AddWithValue("reason", reason);
        record.Parameters.AddWithValue("channel", ClusterSchema.ShardLeaseChannel);
        await record.ExecuteNonQueryAsync(cancellationToken);
    }
}
