using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// The scenarios' fixture: the exchange simulator (BTCUSDT at 64,000), a fresh database on the test server, and three node
/// processes started with <c>--cluster</c> on it, trading on the simulator. A spec changes the cluster's options through
/// <see cref="Configure"/> and the simulator's limits through <see cref="Limits"/>.
/// </summary>
public abstract class SimulatedClusterSpecs(string databasePrefix) : IAsyncLifetime
{
    private SimulatorHost? _simulator;
    private TestDatabase? _database;
    private NodeCluster? _cluster;

    protected SimulatorHost Simulator => _simulator ?? throw new InvalidOperationException("started in InitializeAsync");

    protected TestDatabase Database => _database ?? throw new InvalidOperationException("started in InitializeAsync");

    protected NodeCluster Cluster => _cluster ?? throw new InvalidOperationException("started in InitializeAsync");

    /// <summary>The simulator's limits (default its own).</summary>
    protected virtual SimulatorLimits? Limits => null;

    /// <summary>The cluster's options, from three nodes on the database and the simulator.</summary>
    protected virtual NodeClusterOptions Configure(NodeClusterOptions options) => options;

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync(Limits);
        _simulator.State.SetPrice("BTCUSDT", 64_000m);
        _database = await TestDatabase.CreateAsync(databasePrefix);
        _cluster = await NodeCluster.StartAsync(Configure(new NodeClusterOptions { Nodes = 3, Postgres = _database.ConnectionString, Simulator = _simulator.BaseUrl }));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
