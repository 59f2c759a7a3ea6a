using Npgsql;

namespace ActorTrading.Cluster.Postgres.Tests;

/// <summary>A database of its own per test, migrated, with the two stores on it. Short leases so that expiry happens
/// within a test (judged by PostgreSQL's clock, as in production).</summary>
public abstract class ClusterDatabase : IAsyncLifetime
{
    protected static readonly ClusterSettings Settings = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        MemberLeaseTtl = TimeSpan.FromSeconds(2),
        LeaseSafetyMargin = TimeSpan.FromMilliseconds(300),
        RestartDowningGrace = TimeSpan.FromSeconds(2),
    };

    protected static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private TestDatabase? _database;
    private NpgsqlDataSource? _dataSource;

    protected TestDatabase Database => _database ?? throw new InvalidOperationException("not initialized");

    protected NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("not initialized");

    protected PostgresMembershipStore Members { get; private set; } = null!;

    protected PostgresShardLeaseStore Leases { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(GetType().Name);
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await ClusterSchema.MigrateAsync(_dataSource);
        Members = new PostgresMembershipStore(_dataSource, Settings);
        Leases = new PostgresShardLeaseStore(_dataSource, Settings);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected static MemberIdentity Node(int port, params string[] roles) =>
        new($"node-{port}", $"https://127.0.0.1:{port}", roles.Length == 0 ? [ClusterRoles.Ingress, ClusterRoles.Trading] : roles, "1.0.0-test");

    protected async Task<Member> MemberAsync(long incarnation) =>
        (await Members.ReadMembersAsync()).Single(m => m.Incarnation == incarnation);

    protected async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no value from {sql}"));
    }
}
