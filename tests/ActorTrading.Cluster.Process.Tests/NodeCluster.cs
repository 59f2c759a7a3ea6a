using System.Net;
using System.Net.Sockets;
using ActorTrading.TestSupport;
using Npgsql;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>How a <see cref="NodeCluster"/> starts its nodes.</summary>
public sealed record NodeClusterOptions
{
    /// <summary>How many node processes (at least 1).</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>The Npgsql connection string of the cluster's database (each node reaches it through its own proxy).</summary>
    public required string Postgres { get; init; }

    /// <summary>The exchange simulator the nodes trade on (Binance and Bybit), if any.</summary>
    public Uri? Simulator { get; init; }

    /// <summary>Starts each node with <c>--cluster</c> and the cluster settings; false for a single node on PostgreSQL
    /// (the node refuses a second one on the same database until the cluster exists).</summary>
    public bool Cluster { get; init; } = true;

    /// <summary>The cluster secret every node is given (<c>ActorTrading:Cluster:Secret</c>).</summary>
    public string Secret { get; init; } = "cluster-secret-for-process-tests-0123456789";

    /// <summary>The roles of node <c>i</c> (<c>ActorTrading:Cluster:Roles</c>, e.g. <c>ingress,trading</c>); null or empty
    /// for the default (both).</summary>
    public Func<int, string?>? Roles { get; init; }

    /// <summary>Puts a <see cref="TcpProxy"/> in front of each node's remoting port, which the node advertises
    /// (<c>ActorTrading:Cluster:RemotingPublicPort</c>): every peer's actor messages to it pass the proxy, so a test can cut
    /// them off while the node keeps its database (<see cref="ClusterNode.RemotingProxy"/>).</summary>
    public bool ProxyRemoting { get; init; }

    /// <summary>More environment variables for node <c>i</c> (ASP.NET names: <c>ActorTrading__Section__Key</c>).</summary>
    public Func<int, IReadOnlyDictionary<string, string>>? Environment { get; init; }
}

/// <summary>
/// N node processes on loopback for the cluster's fault scenarios (CLUSTER.md, "Failure scenarios", and issue 17): each
/// its own <c>--urls</c> port, data directory and remoting port, the same admin token and cluster secret, and its own
/// <see cref="TcpProxy"/> in front of PostgreSQL (<c>ACTORTRADING_POSTGRES</c> is the proxied connection string), so that
/// a test can partition one node from the database while the others keep theirs. Disposing kills every node and its proxy.
/// </summary>
public sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>The admin token of every node.</summary>
    public const string AdminToken = "cluster-process-admin-token-0123456789";

    /// <summary>The key that encrypts exchange API secrets (<c>ACTORTRADING_SECRET_KEY</c>), the same on every node.</summary>
    public static readonly string SecretKey = Convert.ToBase64String(new byte[32]);

    private readonly List<ClusterNode> _nodes;

    private NodeCluster(NodeClusterOptions options, List<ClusterNode> nodes)
    {
        Options = options;
        _nodes = nodes;
    }

    /// <summary>The settings the nodes were started with.</summary>
    public NodeClusterOptions Options { get; }

    /// <summary>The nodes, by index.</summary>
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>Node <paramref name="index"/>.</summary>
    /// <param name="index">The node's index.</param>
    public ClusterNode this[int index] => _nodes[index];

    /// <summary>Starts every node at once and waits until each is ready; on any failure every node is killed.</summary>
    /// <param name="options">The nodes to start.</param>
    /// <returns>The running cluster.</returns>
    /// <exception cref="ArgumentException">A setting is invalid (named in the message).</exception>
    public static async Task<NodeCluster> StartAsync(NodeClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Nodes < 1)
        {
            throw new ArgumentException($"Nodes: {options.Nodes} is not a number of nodes (at least 1)", nameof(options));
        }

        if (!options.Cluster && options.Nodes > 1)
        {
            throw new ArgumentException($"Nodes: {options.Nodes} nodes without Cluster would share one database, which a single node refuses", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.Postgres))
        {
            throw new ArgumentException("Postgres: the cluster's connection string is empty", nameof(options));
        }

        var server = new NpgsqlConnectionStringBuilder(options.Postgres);
        var nodes = new List<ClusterNode>();
        var cluster = new NodeCluster(options, nodes);
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                var proxy = TcpProxy.Start(server.Host ?? "127.0.0.1", server.Port);
                var proxied = new NpgsqlConnectionStringBuilder(options.Postgres) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
                nodes.Add(new ClusterNode(i, options, proxy, proxied));
            }

            foreach (var node in nodes)
            {
                node.Launch();
            }

            await Task.WhenAll(nodes.Select(n => n.WaitUntilReadyAsync()));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills every node, deletes their data directories and stops their proxies.</summary>
    /// <returns>A task that completes when all are gone.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
            await node.PostgresProxy.DisposeAsync();
            if (node.RemotingProxy is { } remoting)
            {
                await remoting.DisposeAsync();
            }
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that is free now.</summary>
    /// <returns>The port.</returns>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
