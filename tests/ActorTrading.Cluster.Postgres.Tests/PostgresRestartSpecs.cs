using Npgsql;

namespace ActorTrading.Cluster.Postgres.Tests;

/// <summary>No mass downing after a PostgreSQL restart (issue 17, CLUSTER.md scenario 3): for a grace after the postmaster
/// started nobody is downed and no shard is taken from an expired owner, so that members can renew first. A server of its
/// own, restarted for real.</summary>
public sealed class PostgresRestartSpecs
{
    private static readonly ClusterSettings Settings = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        MemberLeaseTtl = TimeSpan.FromSeconds(2),
        LeaseSafetyMargin = TimeSpan.FromMilliseconds(300),
        RestartDowningGrace = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task After_a_restart_an_expired_member_is_downed_and_its_shards_taken_only_once_the_grace_has_passed()
    {
        await using var server = await DedicatedPostgres.CreateAsync();
        long silent, live;
        await using (var before = NpgsqlDataSource.Create(server.ConnectionString))
        {
            await ClusterSchema.MigrateAsync(before);
            var members = new PostgresMembershipStore(before, Settings);
            silent = (await members.JoinAsync(new("a", "https://127.0.0.1:9001", [ClusterRoles.Trading], "1"))).Incarnation;
            live = (await members.JoinAsync(new("b", "https://127.0.0.1:9002", [ClusterRoles.Trading], "1"))).Incarnation;
            (await new PostgresShardLeaseStore(before, Settings).TryAcquireAsync("bot", 1, silent)).ShouldNotBeNull();
        }

        await server.StopAsync();
        await server.StartAsync();

        await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString);
        var store = new PostgresMembershipStore(dataSource, Settings);
        var leases = new PostgresShardLeaseStore(dataSource, Settings);
        async Task<bool> AskAsync(string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            return await command.ExecuteScalarAsync() is true;
        }

        var grace = $"pg_postmaster_start_time() + make_interval(secs => {Settings.RestartDowningGrace.TotalSeconds})";
        await Eventually.HoldsAsync(async () =>
        {
            (await store.HeartbeatAsync(live)).ShouldBe(LeaseRenewal.Renewed);
            return await AskAsync($"SELECT lease_expires_at < now() FROM cluster_member WHERE incarnation = {silent}");
        }, "the silent member's lease to expire", TimeSpan.FromSeconds(20));

        var downedEarly = await store.DownExpiredAsync();
        var takenEarly = await leases.TryAcquireAsync("bot", 1, live);
        (await AskAsync($"SELECT now() < {grace}")).ShouldBeTrue("the restart took longer than the grace: this test cannot tell");
        downedEarly.ShouldBeEmpty();
        takenEarly.ShouldBeNull();

        IReadOnlyList<long> downed = [];
        await Eventually.HoldsAsync(async () =>
        {
            await store.HeartbeatAsync(live);
            downed = await store.DownExpiredAsync();
            return downed.Count > 0;
        }, "the silent member to be downed after the grace", TimeSpan.FromSeconds(30));

        downed.ShouldBe([silent]);
        (await AskAsync($"SELECT now() > {grace}")).ShouldBeTrue();
        (await leases.TryAcquireAsync("bot", 1, live))?.Epoch.ShouldBe(2);
    }
}
