using System.Net;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// The launcher of the cluster scenarios. Until the node accepts <c>--cluster</c>, one node without it, reaching a real
/// PostgreSQL through its proxy: the wiring the scenarios stand on (proxied connection string, kill -9, restart).
/// </summary>
public sealed class NodeClusterSpecs : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(nameof(NodeClusterSpecs));

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_node_reaches_postgres_through_its_proxy_dies_of_kill_9_and_restarts_on_the_same_address()
    {
        await using var cluster = await NodeCluster.StartAsync(new NodeClusterOptions { Nodes = 1, Cluster = false, Postgres = _database.ConnectionString });
        var node = cluster[0];

        var (status, body) = await node.PostAsync("/api/v1/bots", new { name = "Proxied", master_webhook_path = "proxied-1", default_leverage = 5, default_margin_usd = 100 });
        status.ShouldBe(HttpStatusCode.Created, body.ToString());
        node.ProxiedPostgres.ShouldContain($"Port={node.PostgresProxy.Port}");
        node.PostgresProxy.ConnectionsAccepted.ShouldBeGreaterThan(0, "the node's database connections go through its proxy");
        node.PostgresProxy.BytesForwarded.ShouldBeGreaterThan(0);

        await node.KillAsync();
        node.IsRunning.ShouldBeFalse();
        await Should.ThrowAsync<HttpRequestException>(node.Http.GetAsync("/health/ready"));

        await node.RestartAsync();
        await Eventually.HoldsAsync(async () => (await node.GetAsync("/api/v1/bots")).Body.ToString().Contains("proxied-1", StringComparison.Ordinal),
            "the restarted node reads the bot from the database through its proxy", TimeSpan.FromSeconds(30));
        node.PostgresProxy.ConnectionsAccepted.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task A_node_frozen_by_sigstop_answers_nothing_runs_on_after_sigcont_and_exits_on_sigterm()
    {
        await using var cluster = await NodeCluster.StartAsync(new NodeClusterOptions { Nodes = 1, Cluster = false, Postgres = _database.ConnectionString });
        var node = cluster[0];
        using var impatient = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromMilliseconds(500) };

        await node.PauseAsync();
        await Should.ThrowAsync<TaskCanceledException>(impatient.GetAsync("/health/live"), "a stopped process accepts (the kernel does) but never answers");
        node.IsRunning.ShouldBeTrue();

        await node.ResumeAsync();
        await node.WaitUntilReadyAsync();

        (await node.TerminateAsync()).ShouldBe(0, node.Output);
        node.IsRunning.ShouldBeFalse();
    }
}
