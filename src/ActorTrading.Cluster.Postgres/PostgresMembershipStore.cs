using ActorTrading.Persistence.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace ActorTrading.Cluster.Postgres;

/// <summary>
/// The membership table (CLUSTER.md): a row per incarnation, a lease judged by the database clock, and a version row that
/// every status change bumps by compare-and-swap in the same transaction as the change and its NOTIFY. Heartbeats change
/// no status and bump nothing. No seed nodes: this table is the rendezvous.
/// </summary>
public sealed class PostgresMembershipStore
{
    private const string Live = "('joining','up','leaving','exiting')";

    private const string MemberColumns = """
        incarnation, node_name, address, roles, app_version, status::text, up_number, lease_expires_at, jsonb_array_length(suspicions), remote_address, lease_expires_at < now()
        """;

    private const int CompareAndSwapAttempts = 20;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterSettings _settings;

    /// <summary>A store on <paramref name="dataSource"/> (the caller owns it and has migrated it: <see cref="ClusterSchema.MigrateAsync"/>).</summary>
    public PostgresMembershipStore(NpgsqlDataSource dataSource, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _dataSource = dataSource;
        _settings = settings;
    }

    /// <summary>Joins as a new incarnation: inserts the member <c>joining</c> with a fresh lease, then makes it <c>up</c> with
    /// the next up number; each step a version compare-and-swap with a NOTIFY. Throws <see cref="DuplicateMemberException"/>
    /// when the address already has a live incarnation.</summary>
    public async Task<Member> JoinAsync(MemberIdentity identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        identity.Validate();
        await using (var ensure = _dataSource.CreateCommand("INSERT INTO cluster_membership_version (cluster_id) VALUES (@c) ON CONFLICT DO NOTHING"))
        {
            ensure.Parameters.AddWithValue("c", _settings.ClusterId);
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        long incarnation;
        try
        {
            incarnation = await ChangeAsync(async (connection, transaction) =>
            {
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO cluster_member (cluster_id, node_name, address, roles, app_version, status, lease_expires_at, remote_address)
                    VALUES (@c, @name, @address, @roles, @version, 'joining', now() + make_interval(secs => @ttl), @remote)
                    RETURNING incarnation
                    """, connection, transaction);
                insert.Parameters.AddWithValue("c", _settings.ClusterId);
                insert.Parameters.AddWithValue("name", identity.NodeName);
                insert.Parameters.AddWithValue("address", identity.Address);
                insert.Parameters.Add(new NpgsqlParameter<string[]>("roles", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. identity.Roles] });
                insert.Parameters.AddWithValue("version", identity.AppVersion);
                insert.Parameters.AddWithValue("ttl", _settings.MemberLeaseTtl.TotalSeconds);
                insert.Parameters.AddWithValue("remote", identity.RemotingAddress as object ?? DBNull.Value);
                return (long?)(long)(await insert.ExecuteScalarAsync(cancellationToken) ?? 0L);
            }, cancellationToken) ?? 0L;
        }
        catch (PostgresException unique) when (unique is { SqlState: PostgresErrors.UniqueViolation, ConstraintName: "cluster_member_one_live_per_address" })
        {
            var holder = (await ReadMembersAsync(cancellationToken)).FirstOrDefault(m => m.IsLive && m.Address == identity.Address);
            throw new DuplicateMemberException(identity.Address, holder is null ? "another node joined under it just now" : $"incarnation {holder.Incarnation} is {holder.Status.ToString().ToLowerInvariant()}", unique);
        }

        var up = await ChangeAsync(async (connection, transaction) =>
        {
            // Under the version row's lock (taken by the compare-and-swap): no two members get one up number.
            await using var promote = new NpgsqlCommand($"""
                UPDATE cluster_member SET status = 'up',
                       up_number = (SELECT coalesce(max(up_number), 0) + 1 FROM cluster_member WHERE cluster_id = @c)
                 WHERE incarnation = @i AND status = 'joining'
                RETURNING {MemberColumns}
                """, connection, transaction);
            promote.Parameters.AddWithValue("c", _settings.ClusterId);
            promote.Parameters.AddWithValue("i", incarnation);
            await using var reader = await promote.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ReadMember(reader) : null;
        }, cancellationToken);
        return up ?? throw new InvalidOperationException($"incarnation {incarnation} was downed while it joined; join again as a new incarnation");
    }

    /// <summary>Renews the lease of <paramref name="incarnation"/> by the TTL (no version bump). <see cref="LeaseRenewal.Downed"/>
    /// when it has no live row: it was downed, and must fail-stop and rejoin as a new incarnation.</summary>
    public Task<LeaseRenewal> HeartbeatAsync(long incarnation, CancellationToken cancellationToken = default) =>
        HeartbeatAsync(incarnation, clock: null, cancellationToken);

    /// <summary>As <see cref="HeartbeatAsync(long, CancellationToken)"/>, and gives <paramref name="clock"/> the database's
    /// <c>now()</c> the renewal was judged by.</summary>
    public async Task<LeaseRenewal> HeartbeatAsync(long incarnation, DatabaseClock? clock, CancellationToken cancellationToken = default)
    {
        await using var heartbeat = _dataSource.CreateCommand($"""
            UPDATE cluster_member SET heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => @ttl)
             WHERE incarnation = @i AND status IN {Live}
            RETURNING now()
            """);
        heartbeat.Parameters.AddWithValue("i", incarnation);
        heartbeat.Parameters.AddWithValue("ttl", _settings.MemberLeaseTtl.TotalSeconds);
        var sent = clock?.GetTimestamp() ?? 0;
        var now = await heartbeat.ExecuteScalarAsync(cancellationToken);
        if (now is null)
        {
            return LeaseRenewal.Downed;
        }

        clock?.Observe(ToOffset(now), sent, clock.GetTimestamp());
        return LeaseRenewal.Renewed;
    }

    /// <summary>Reads the database's clock once into <paramref name="clock"/> (at start, before the first heartbeat).</summary>
    public async Task ObserveClockAsync(DatabaseClock clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clock);
        await using var read = _dataSource.CreateCommand("SELECT now()");
        // The first statement may open the connection: its round trip is then too long to say much, so a second one is read.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var sent = clock.GetTimestamp();
            var now = await read.ExecuteScalarAsync(cancellationToken) ?? throw new InvalidOperationException("SELECT now() returned nothing");
            if (clock.Observe(ToOffset(now), sent, clock.GetTimestamp()) && attempt > 0)
            {
                return;
            }
        }
    }

    /// <summary>The renewer of <paramref name="incarnation"/>'s lease, for <see cref="MemberLeaseKeeper"/>; each renewal also
    /// corrects <paramref name="clock"/>, if given, to the database's clock.</summary>
    public IMemberLeaseRenewer Renewer(long incarnation, DatabaseClock? clock = null) => new Heartbeat(this, incarnation, clock);

    /// <summary>Coordinated shutdown begins: <c>up</c> → <c>leaving</c>. False when the member was not up.</summary>
    public Task<bool> LeaveAsync(long incarnation, CancellationToken cancellationToken = default) =>
        TransitionAsync(incarnation, "('up')", MemberStatus.Leaving, "leaving", cancellationToken);

    /// <summary>Its shards are handed off: <c>leaving</c> → <c>exiting</c>. False when the member was not leaving.</summary>
    public Task<bool> ExitingAsync(long incarnation, CancellationToken cancellationToken = default) =>
        TransitionAsync(incarnation, "('leaving')", MemberStatus.Exiting, "shards handed off", cancellationToken);

    /// <summary>Gone: <c>exiting</c> or <c>down</c> → <c>removed</c>. False when the member was neither.</summary>
    public Task<bool> RemoveAsync(long incarnation, CancellationToken cancellationToken = default) =>
        TransitionAsync(incarnation, "('exiting','down')", MemberStatus.Removed, "removed", cancellationToken);

    /// <summary>An operator's <c>cluster down</c>: any live status → <c>down</c>. False when the member was not live.</summary>
    public Task<bool> DownAsync(long incarnation, string reason, CancellationToken cancellationToken = default) =>
        TransitionAsync(incarnation, Live, MemberStatus.Down, reason, cancellationToken);

    /// <summary>Downs every live member whose lease expired by the database clock, unless PostgreSQL started less than
    /// <see cref="ClusterSettings.RestartDowningGrace"/> ago (after a restart nobody could renew: no mass downing). Returns
    /// the incarnations downed (none: no version bump, no NOTIFY).</summary>
    public Task<IReadOnlyList<long>> DownExpiredAsync(CancellationToken cancellationToken = default) =>
        DownWhereAsync("""
            lease_expires_at < now() AND now() > pg_postmaster_start_time() + make_interval(secs => @grace)
            """, "member lease expired", cancellationToken);

    /// <summary>An operator's <c>cluster down-unreachable</c>: downs every live member whose lease expired or that a peer
    /// reported unreachable, without waiting for the restart grace (the operator decided). Returns the incarnations downed.</summary>
    public Task<IReadOnlyList<long>> DownUnreachableAsync(CancellationToken cancellationToken = default) =>
        DownWhereAsync("(lease_expires_at < now() OR jsonb_array_length(suspicions) > 0)", "downed by an operator: unreachable", cancellationToken);

    private async Task<IReadOnlyList<long>> DownWhereAsync(string condition, string reason, CancellationToken cancellationToken)
    {
        var downed = new List<long>();
        await ChangeAsync(async (connection, transaction) =>
        {
            downed.Clear();
            await using var down = new NpgsqlCommand($"""
                UPDATE cluster_member SET status = 'down', status_reason = @reason
                 WHERE cluster_id = @c AND status IN {Live} AND {condition}
                RETURNING incarnation
                """, connection, transaction);
            down.Parameters.AddWithValue("c", _settings.ClusterId);
            down.Parameters.AddWithValue("reason", reason);
            down.Parameters.AddWithValue("grace", _settings.RestartDowningGrace.TotalSeconds);
            await using var reader = await down.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                downed.Add(reader.GetInt64(0));
            }

            return downed.Count > 0 ? (long?)downed.Count : null;
        }, cancellationToken);
        return downed;
    }

    /// <summary>Every member of the cluster (removed ones too), oldest incarnation first.</summary>
    public async Task<IReadOnlyList<Member>> ReadMembersAsync(CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand($"SELECT {MemberColumns} FROM cluster_member WHERE cluster_id = @c ORDER BY incarnation");
        read.Parameters.AddWithValue("c", _settings.ClusterId);
        var members = new List<Member>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            members.Add(ReadMember(reader));
        }

        return members;
    }

    /// <summary>The membership version: grows by one with every status change (0 before the first join).</summary>
    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand("SELECT version FROM cluster_membership_version WHERE cluster_id = @c");
        read.Parameters.AddWithValue("c", _settings.ClusterId);
        return await read.ExecuteScalarAsync(cancellationToken) is long version ? version : 0L;
    }

    private async Task<bool> TransitionAsync(long incarnation, string from, MemberStatus to, string reason, CancellationToken cancellationToken)
    {
        var changed = await ChangeAsync(async (connection, transaction) =>
        {
            await using var update = new NpgsqlCommand($"""
                UPDATE cluster_member SET status = @to::member_status, status_reason = @reason
                 WHERE incarnation = @i AND cluster_id = @c AND status IN {from}
                """, connection, transaction);
            update.Parameters.AddWithValue("to", to.ToString().ToLowerInvariant());
            update.Parameters.AddWithValue("reason", reason);
            update.Parameters.AddWithValue("i", incarnation);
            update.Parameters.AddWithValue("c", _settings.ClusterId);
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1 ? (long?)1 : null;
        }, cancellationToken);
        return changed is not null;
    }

    /// <summary>One membership change: read the version, compare-and-swap it, make the change, NOTIFY, commit. A lost swap
    /// (another member changed the membership first) is retried on the new version; a change that finds nothing to do
    /// (null) rolls back, so the version counts real changes only.</summary>
    private async Task<T?> ChangeAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T?>> change, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            long version;
            await using (var read = new NpgsqlCommand("SELECT version FROM cluster_membership_version WHERE cluster_id = @c", connection, transaction))
            {
                read.Parameters.AddWithValue("c", _settings.ClusterId);
                version = await read.ExecuteScalarAsync(cancellationToken) is long v ? v : throw new InvalidOperationException($"cluster '{_settings.ClusterId}' has no membership version row: no member joined it yet");
            }

            await using (var swap = new NpgsqlCommand("UPDATE cluster_membership_version SET version = version + 1, changed_at = now() WHERE cluster_id = @c AND version = @v", connection, transaction))
            {
                swap.Parameters.AddWithValue("c", _settings.ClusterId);
                swap.Parameters.AddWithValue("v", version);
                if (await swap.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    if (attempt == CompareAndSwapAttempts)
                    {
                        throw new InvalidOperationException($"the membership version of cluster '{_settings.ClusterId}' changed under {attempt} attempts in a row");
                    }

                    continue;
                }
            }

            var result = await change(connection, transaction);
            if (result is null)
            {
                await transaction.RollbackAsync(cancellationToken);
                return default;
            }

            await using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @c)", connection, transaction))
            {
                notify.Parameters.AddWithValue("channel", ClusterSchema.MembershipChannel);
                notify.Parameters.AddWithValue("c", _settings.ClusterId);
                await notify.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return result;
        }
    }

    private static Member ReadMember(NpgsqlDataReader reader) => new(
        Incarnation: reader.GetInt64(0),
        NodeName: reader.GetString(1),
        Address: reader.GetString(2),
        Roles: reader.GetFieldValue<string[]>(3),
        AppVersion: reader.GetString(4),
        Status: Enum.Parse<MemberStatus>(reader.GetString(5), ignoreCase: true),
        UpNumber: reader.IsDBNull(6) ? null : reader.GetInt32(6),
        LeaseExpiresAt: reader.GetFieldValue<DateTimeOffset>(7),
        Reachability: reader.GetInt32(8) > 0 ? Reachability.Unreachable : Reachability.Reachable)
    {
        RemotingAddress = reader.IsDBNull(9) ? null : reader.GetString(9),
        LeaseExpired = reader.GetBoolean(10),
    };

    /// <summary>The secret nodes authenticate each other with: the one stored for the cluster, or <paramref name="generated"/>
    /// stored now when there is none yet (the first node to start decides it; every later one reads it).</summary>
    public async Task<string> ClusterSecretAsync(string generated, CancellationToken cancellationToken = default)
    {
        await using var secret = _dataSource.CreateCommand("""
            INSERT INTO cluster_secret (cluster_id, secret) VALUES (@c, @s) ON CONFLICT (cluster_id) DO NOTHING;
            SELECT secret FROM cluster_secret WHERE cluster_id = @c;
            """);
        secret.Parameters.AddWithValue("c", _settings.ClusterId);
        secret.Parameters.AddWithValue("s", generated);
        return await secret.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"cluster '{_settings.ClusterId}' has no secret row after it was written");
    }

    // Npgsql reads timestamptz as a UTC DateTime.
    private static DateTimeOffset ToOffset(object now) => now switch
    {
        DateTimeOffset offset => offset,
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        _ => throw new InvalidOperationException($"now() returned a {now.GetType().Name}, not a timestamp"),
    };

    private sealed class Heartbeat(PostgresMembershipStore store, long incarnation, DatabaseClock? clock) : IMemberLeaseRenewer
    {
        public async ValueTask<LeaseRenewal> RenewAsync(CancellationToken cancellationToken) =>
            await store.HeartbeatAsync(incarnation, clock, cancellationToken);
    }
}
