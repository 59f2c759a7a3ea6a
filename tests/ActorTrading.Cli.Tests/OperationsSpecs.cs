using System.Text.Json;
using ActorTrading.Node.Tests;
using ActorTrading.TestSupport;

namespace ActorTrading.Cli.Tests;

/// <summary>The <c>actor</c> and <c>log</c> palettes against a real node process: <c>actor system</c>, <c>actor
/// hierarchy</c>, <c>log peek</c>, <c>log tail</c>, each as text and <c>--json</c>, and bad switches as one line, exit 1.</summary>
public sealed class OperationsSpecs : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-cli-ops-" + Guid.NewGuid().ToString("N"));
    private NodeProcess? _node;
    private string _secret = "";
    private string _signalId = "";

    private NodeProcess Node => _node ?? throw new InvalidOperationException("started in InitializeAsync");

    public async Task InitializeAsync()
    {
        // Information up, as a node logs by default (the tests' nodes log from Warning).
        _node = await NodeProcess.StartAsync(_dataDirectory, arguments: ["--Logging:LogLevel:Default", "Information"]);
        var bot = await Node.PostAsync("/api/v1/bots", new { name = "Ops bot", master_webhook_path = "ops-1", default_leverage = 2, default_margin_usd = 50 });
        _secret = bot.GetProperty("master_secret").GetString() ?? "";
        var account = await Node.PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "ops-0", secret_key = "paper-secret" });
        await Node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        _signalId = await FireAsync();
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Actor_system_shows_name_address_uptime_actors_dead_letters_and_dispatchers()
    {
        var (code, output, error) = await RunAsync("actor", "system");

        code.ShouldBe(0, error);
        output.ShouldMatch(@"\| name +\| actortrading +\|");
        output.ShouldMatch(@"\| address +\| akka://actortrading +\|");
        output.ShouldMatch(@"\| uptime +\| 0\.\d\d:\d\d:\d\d +\|");
        output.ShouldMatch(@"\| dead_letters +\| \d+ +\|");
        output.ShouldMatch(@"\| default +\| thread-pool +\| \d+ +\|");
        output.ShouldMatch(@"\| subscriptions +\| dedicated-threads +\| \d+ +\|");

        var (_, json, _) = await RunAsync("actor", "system", "--json");
        var system = JsonDocument.Parse(json).RootElement;
        system.GetProperty("name").GetString().ShouldBe("actortrading");
        system.GetProperty("uptime_seconds").GetDouble().ShouldBeGreaterThan(0);
        // The guardians, the regions, the bot, its subscription and account at least.
        system.GetProperty("actors").GetInt32().ShouldBeGreaterThan(8);
    }

    [Fact]
    public async Task Actor_hierarchy_indents_the_tree_to_the_depth_asked_with_each_mailbox()
    {
        var (code, output, error) = await RunAsync("actor", "hierarchy", "-d", "1");

        code.ShouldBe(0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("/ | mailbox 0 | children 2");
        lines[1].ShouldMatch(@"^  system \| mailbox \d+ \| children [1-9]\d* \(not shown\)$");
        lines[2].ShouldMatch(@"^  user \| mailbox \d+ \| children \d+( \(not shown\))?$");
        lines[1..^1].ShouldAllBe(line => line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal));
        lines[^1].ShouldBe($"Count: {lines.Length - 1} actors");

        var (_, deeper, _) = await RunAsync("actor", "hierarchy", "--depth", "4");
        deeper.Split('\n').ShouldContain(line => line.StartsWith("    ", StringComparison.Ordinal), "depth 4 shows grandchildren");

        var (_, json, _) = await RunAsync("actor", "hierarchy", "-d", "1", "--json");
        var tree = JsonDocument.Parse(json).RootElement;
        tree.GetProperty("path").GetString().ShouldBe("/");
        tree.GetProperty("children").EnumerateArray().ShouldAllBe(child => child.GetProperty("children").GetArrayLength() == 0, "depth 1 stops at the children");

        // Started below, by a path (the whole form the node's log lines print works too): the sharding regions.
        var (fromRegions, regions, _) = await RunAsync("actor", "hierarchy", "-s", "akka://actortrading/system/sharding", "-d", "1");
        fromRegions.ShouldBe(0);
        regions.Split('\n')[0].ShouldMatch(@"^/system/sharding \| mailbox \d+ \| children [1-9]\d*$");
        regions.Split('\n').ShouldContain(line => line.StartsWith("  bot | mailbox ", StringComparison.Ordinal), regions);
    }

    [Theory]
    [InlineData(new[] { "actor", "hierarchy", "-s", "/user/no-such-actor" }, "404 path: no actor at /user/no-such-actor")]
    [InlineData(new[] { "actor", "hierarchy", "-d", "99" }, "depth: must be between 0 and 32, not 99")]
    [InlineData(new[] { "log", "peek", "-l", "loud" }, "level: must be trace, debug, information, warning, error or critical, not 'loud'")]
    [InlineData(new[] { "log", "peek", "-c", "0" }, "count: must be between 1 and 100000, not 0")]
    public async Task A_bad_switch_is_one_line_naming_it_and_exit_code_1(string[] args, string expected)
    {
        var (code, output, error) = await RunAsync(args);

        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain(expected);
    }

    [Fact]
    public async Task Log_peek_shows_the_latest_lines_at_or_above_the_level_asked()
    {
        var accepted = $"signal {_signalId} accepted";
        await Eventually.HoldsAsync(async () => (await RunAsync("log", "peek")).Output.Contains(accepted, StringComparison.Ordinal),
            "the accepted signal's line is kept", TimeSpan.FromSeconds(10));

        var (code, output, error) = await RunAsync("log", "peek", "-c", "1000");
        code.ShouldBe(0, error);
        output.Split('\n').ShouldContain(line => line.StartsWith("[INFO][", StringComparison.Ordinal) && line.Contains("][ActorTrading.Trading.", StringComparison.Ordinal)
            && line.EndsWith(accepted + " (Buy BTCUSDT) for 1 subscriptions", StringComparison.Ordinal), output);

        var (_, warnings, _) = await RunAsync("log", "peek", "-l", "warning");
        warnings.ShouldNotContain(accepted);

        var (_, one, _) = await RunAsync("log", "peek", "-c", "2", "--json");
        var lines = JsonDocument.Parse(one).RootElement;
        lines.GetArrayLength().ShouldBe(2);
        lines[0].GetProperty("sequence").GetInt64().ShouldBeLessThan(lines[1].GetProperty("sequence").GetInt64(), "oldest first");
        lines[1].GetProperty("level").GetString().ShouldNotBeNull();
    }

    [Fact]
    public async Task Log_tail_streams_new_lines_until_stopped()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        var synchronizedError = TextWriter.Synchronized(error);
        using var stop = new CancellationTokenSource();
        var tail = CliApp.RunAsync([Address, "log", "tail", "--token", NodeProcess.AdminToken], synchronizedOutput, synchronizedError, TextReader.Null, _ => null, stop.Token);
        await Eventually.HoldsAsync(() => error.ToString().Contains("tailing the log of", StringComparison.Ordinal) || tail.IsCompleted, "the stream is open",
            TimeSpan.FromSeconds(10), () => error.ToString());
        tail.IsCompleted.ShouldBeFalse(error.ToString());
        output.ToString().ShouldNotContain(_signalId, customMessage: "only lines logged after the start");

        var fired = await FireAsync();
        await Eventually.HoldsAsync(() => output.ToString().Contains($"signal {fired} accepted", StringComparison.Ordinal), "the new signal's line arrives",
            TimeSpan.FromSeconds(10), () => output.ToString());

        await stop.CancelAsync();
        (await tail.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(0, error.ToString());
    }

    private string Address => Node.Address.Authority;

    private async Task<string> FireAsync()
    {
        var accepted = await Node.PostAlertAsync("/api/v1/bots/webhook/master/ops-1?wait=5000",
            $$"""{"secret":"{{_secret}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""");
        return accepted.GetProperty("signal_id").GetString() ?? "";
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([Address, .. args, "--token", NodeProcess.AdminToken], output, error, TextReader.Null, _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
