using System.Text.Json;
using ActorTrading.Node.Tests;
using ActorTrading.TestSupport;

namespace ActorTrading.Cli.Tests;

/// <summary>The <c>cluster</c> and <c>cluster-sharding</c> palettes against three node processes started with
/// <c>--cluster</c> on one PostgreSQL: tables and <c>--json</c>, a killed member seen down, <c>leave</c> and <c>down</c>
/// acting on members, and bad requests as one line with exit code 1.</summary>
public sealed class ClusterCliSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly List<NodeProcess> _nodes = [];
    private TestDatabase? _database;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("cluster-cli");
        // One after the other: each start migrates the schema, and the first generates the cluster secret.
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(await NodeProcess.StartAsync(Directory.CreateTempSubdirectory("actortrading-cluster-cli-").FullName, postgres: _database.ConnectionString,
                arguments: ["--cluster"]));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cluster_show_lists_the_three_members_and_changes_when_one_is_killed()
    {
        var (code, output, error) = await RunAsync(0, "cluster", "show");

        code.ShouldBe(0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldMatch(@"^\| address +\| roles +\| status +\| reachability +\| app-version +\| incarnation +\| up +\|$");
        foreach (var node in _nodes)
        {
            lines.ShouldContain(l => l.StartsWith($"| {Url(node)} ", StringComparison.Ordinal) && l.Contains("| [ingress,trading] | up     | reachable", StringComparison.Ordinal), output);
        }

        lines[^1].ShouldBe("Count: 3 nodes");

        var (_, json, _) = await RunAsync(1, "cluster", "show", "--json");
        JsonDocument.Parse(json).RootElement.EnumerateArray().Select(m => m.GetProperty("status").GetString()).ShouldBe(["up", "up", "up"]);

        // The leader is the oldest: the first node started.
        var (_, leader, _) = await RunAsync(2, "cluster", "leader");
        leader.Trim().ShouldStartWith(Url(_nodes[0]) + " (incarnation ");
        var (_, status, _) = await RunAsync(1, "cluster", "status");
        status.ShouldMatch(@"\| is_leader +\| false +\|");
        status.ShouldMatch(@"\| member_lease +\| holding +\|");

        await _nodes[2].KillHardAsync();

        // Unreachable once its lease expires, then down (any member downs it), as every member shows.
        await Eventually.HoldsAsync(async () =>
        {
            var (_, shown, _) = await RunAsync(0, "cluster", "show");
            return shown.Split('\n').Any(l => l.StartsWith($"| {Url(_nodes[2])} ", StringComparison.Ordinal) && l.Contains("| down ", StringComparison.Ordinal));
        }, "the killed member is shown down", Limit);
        var (_, after, _) = await RunAsync(1, "cluster", "show");
        after.Split('\n').Count(l => l.Contains("] | up ", StringComparison.Ordinal)).ShouldBe(2, after);
    }

    [Fact]
    public async Task Cluster_sharding_shows_regions_region_and_shard_stats_locates_an_entity_and_plans_a_rebalance()
    {
        var bot = await _nodes[0].PostAsync("/api/v1/bots", new { name = "Sharded bot", master_webhook_path = "cluster-cli-1", default_leverage = 2, default_margin_usd = 50 });
        var botId = bot.GetProperty("id").GetString() ?? "";

        var (code, located, error) = await RunAsync(1, "cluster-sharding", "locate", "-r", "bot", "-e", botId);
        code.ShouldBe(0, error);
        located.ShouldMatch(@"\| state +\| active +\|");
        located.ShouldMatch(@"\| running +\| true +\|");
        var (_, locatedJson, _) = await RunAsync(1, "cluster-sharding", "locate", "-r", "bot", "-e", botId, "--json");
        var where = JsonDocument.Parse(locatedJson).RootElement;
        var shard = where.GetProperty("shard_id").GetInt32();
        var owner = where.GetProperty("owner_address").GetString();
        _nodes.Select(Url).ShouldContain(owner);

        var (_, regions, _) = await RunAsync(2, "cluster-sharding", "regions");
        regions.Split('\n').ShouldContain(l => l.StartsWith("| bot ", StringComparison.Ordinal), regions);

        var (_, stats, statsError) = await RunAsync(2, "cluster-sharding", "region-stats", "-r", "bot");
        stats.Split('\n').ShouldContain("Count: 3 regions", stats + statsError);
        // The owner's row of the bot's shard counts at least the bot (a shard id may itself be 0).
        var shardRow = new System.Text.RegularExpressions.Regex($@"^\| {System.Text.RegularExpressions.Regex.Escape(owner ?? "")} +\| {shard} +\| [1-9]\d* +\|");
        stats.Split('\n').ShouldContain(l => shardRow.IsMatch(l), stats);

        var (_, shardStats, _) = await RunAsync(0, "cluster-sharding", "shard-stats", "-r", "bot", "-s", shard.ToString(System.Globalization.CultureInfo.InvariantCulture));
        shardStats.ShouldMatch($@"\| owner_address +\| {System.Text.RegularExpressions.Regex.Escape(owner ?? "")} +\|");
        shardStats.Split('\n').ShouldContain($"| {botId} |", shardStats);
        shardStats.ShouldContain("last change: epoch ");

        var (rebalanceCode, plan, _) = await RunAsync(0, "cluster-sharding", "rebalance");
        rebalanceCode.ShouldBe(0);
        plan.ShouldContain("dry run: nothing moved");

        var (unknownCode, _, unknown) = await RunAsync(0, "cluster-sharding", "region-stats", "-r", "nope");
        unknownCode.ShouldBe(1);
        unknown.Trim().ShouldContain("no entity type 'nope' (known: ");
    }

    [Fact]
    public async Task Leave_stops_a_member_gracefully_and_down_marks_another_down()
    {
        var (code, left, error) = await RunAsync(0, "cluster", "leave", "-a", Authority(_nodes[1]));

        code.ShouldBe(0, error);
        left.Trim().ShouldBe($"{Url(_nodes[1])}: leaving (it hands its shards off, then stops)");
        await Eventually.HoldsAsync(() => _nodes[1].ExitCode is not null, "the member that left exits", Limit);
        _nodes[1].ExitCode.ShouldBe(0, _nodes[1].Output);
        var members = JsonDocument.Parse((await RunAsync(0, "cluster", "show", "--all", "--json")).Output).RootElement.EnumerateArray().ToList();
        members.ShouldContain(m => m.GetProperty("address").GetString() == Url(_nodes[1]) && m.GetProperty("status").GetString() == "removed");

        var (downCode, downed, downError) = await RunAsync(0, "cluster", "down", "-a", Authority(_nodes[2]));
        downCode.ShouldBe(0, downError);
        downed.Trim().ShouldBe($"{Url(_nodes[2])}: down (was up)");
        await Eventually.HoldsAsync(() => _nodes[2].ExitCode is not null, "the downed member exits", Limit);
        _nodes[2].ExitCode.ShouldBe(1, _nodes[2].Output);

        var (noneCode, none, _) = await RunAsync(0, "cluster", "down-unreachable", "--yes");
        noneCode.ShouldBe(0);
        none.Trim().ShouldEndWith("Count: 0 members downed");

        var (unknownCode, unknownOut, unknown) = await RunAsync(0, "cluster", "down", "-a", "127.0.0.1:1");
        unknownCode.ShouldBe(1, unknownOut);
        unknown.Trim().Split('\n').Single().ShouldStartWith("actortrading: POST /api/v1/cluster/down?address=127.0.0.1%3A1: 404 no live member at '127.0.0.1:1' (live: ");
    }

    private static string Authority(NodeProcess node) => node.Address.Authority;

    // As the membership holds a member's address: its first --urls.
    private static string Url(NodeProcess node) => node.Address.GetLeftPart(UriPartial.Authority);

    private async Task<(int Code, string Output, string Error)> RunAsync(int node, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([Authority(_nodes[node]), .. args, "--token", NodeProcess.AdminToken], output, error, TextReader.Null, _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
