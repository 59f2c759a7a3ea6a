using System.Net;
using System.Net.Sockets;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>
/// The node process as an operator meets it: <c>--help</c> and <c>--version</c> answer without starting, what stops a start
/// is one line and exit code 1, the unauthenticated health check names no path, and the log has a line per signal.
/// </summary>
public sealed class StartupSpecs : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-startup-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_is_printed_without_starting(string flag)
    {
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, arguments: [flag]);

        exitCode.ShouldBe(0, output);
        output.ShouldStartWith("Usage: actortrading-node");
        output.ShouldContain("--urls");
        Directory.Exists(_dataDirectory).ShouldBeFalse("nothing was started");
    }

    [Fact]
    public async Task The_version_is_printed_without_starting()
    {
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, arguments: ["--version"]);

        exitCode.ShouldBe(0, output);
        output.Trim().ShouldMatch(@"^actortrading-node \d+\.\d+\.\d+\S*$");
        Directory.Exists(_dataDirectory).ShouldBeFalse("nothing was started");
    }

    [Fact]
    public async Task The_health_check_command_exits_0_for_a_ready_node_and_1_for_none()
    {
        await using var node = await NodeProcess.StartAsync(_dataDirectory);

        var (ready, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, arguments: ["--health-check", new Uri(node.Address, "/health/ready").ToString()]);
        ready.ShouldBe(0, output);
        output.ShouldContain("200");

        await node.DisposeAsync();
        var (gone, goneOutput) = await NodeProcess.RunUntilExitAsync(_dataDirectory, arguments: ["--health-check", new Uri(node.Address, "/health/ready").ToString()]);
        gone.ShouldBe(1, goneOutput);
    }

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_one_line_naming_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, port: port);

        // The store is opened before Kestrel binds: its start-up lines come first, then the refusal.
        exitCode.ShouldBe(1, output);
        output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        output.Trim().Split('\n').Last().ShouldBe(
            $"actortrading: Failed to bind to address http://127.0.0.1:{port}: address already in use (another process listens there: choose another with --urls)");
    }

    [Theory]
    [InlineData(new[] { "--cluster" }, "actortrading: ActorTrading:Cluster:Enabled (--cluster) needs PostgreSQL (ACTORTRADING_POSTGRES or ActorTrading:Postgres): the SQLite store serves one node")]
    [InlineData(new[] { "--cluster", "--demo", "--ActorTrading:Postgres", "Host=127.0.0.1" },
        "actortrading: --demo trades on the paper exchange, which needs a single node: start it without --cluster (ActorTrading:Cluster:Enabled)")]
    [InlineData(new[] { "--cluster", "--ActorTrading:Postgres", "Host=127.0.0.1", "--ActorTrading:Cluster:Roles", "ingress,router" },
        "actortrading: ActorTrading:Cluster:Roles must name ingress, trading or both, comma-separated (was 'ingress,router') (Parameter 'Roles')")]
    public async Task A_cluster_start_the_node_cannot_honour_stops_with_one_line_naming_the_setting(string[] arguments, string line)
    {
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, arguments: arguments);

        exitCode.ShouldBe(1, output);
        ShouldBeOneLine(output).ShouldBe(line);
    }

    [Fact]
    public async Task An_unreachable_database_stops_the_start_with_one_line_naming_it()
    {
        // A port nothing listens on: taken, then freed.
        int port;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((IPEndPoint)free.LocalEndpoint).Port;
        }

        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_dataDirectory, $"Host=127.0.0.1;Port={port};Username=someone;Password=hidden;Database=trading");

        exitCode.ShouldBe(1, output);
        var line = ShouldBeOneLine(output);
        line.ShouldStartWith($"actortrading: cannot open the store, PostgreSQL 127.0.0.1:{port}/trading as someone: ");
        line.ShouldNotContain("hidden");
    }

    [Fact]
    public async Task The_health_check_names_no_path_and_each_signal_and_fan_out_is_one_log_line_with_counts()
    {
        await using var node = await NodeProcess.StartAsync(_dataDirectory, arguments: ["--Logging:LogLevel:Default", "Information"]);
        var ready = await node.GetAsync("/health/ready");
        ready.GetRawText().ShouldBe("""{"status":"ready","store":"sqlite"}""");

        var bot = await node.PostAsync("/api/v1/bots", new { name = "Logged", master_webhook_path = "logged-1", default_leverage = 2, default_margin_usd = 100 });
        for (var i = 0; i < 2; i++)
        {
            var account = await node.PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = $"paper-{i}", secret_key = $"paper-secret-{i}" });
            await node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        }

        var accepted = await node.PostAlertAsync("/api/v1/bots/webhook/master/logged-1",
            $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""");
        var signalId = accepted.GetProperty("signal_id").GetString();

        await Eventually.HoldsAsync(() => node.Output.Contains($"signal {signalId} fanned out to 2 subscriptions"), "the fan-out's line", TimeSpan.FromSeconds(30), () => node.Output);
        var lines = node.Output.Split('\n').Where(l => l.Contains($"signal {signalId}", StringComparison.Ordinal)).ToList();
        lines.Count.ShouldBe(2, string.Join("\n", lines));
        lines[0].ShouldContain($"signal {signalId} accepted (Buy BTCUSDT) for 2 subscriptions");
        lines[1].ShouldContain("outcomes: 2 executed");
        lines.ShouldAllBe(l => l.Contains("info: ActorTrading.Trading.BotEntity[200"));
        node.Output.ShouldNotContain("Microsoft.AspNetCore", Case.Sensitive, "ASP.NET logs from Warning up by default");
    }

    private static string ShouldBeOneLine(string output)
    {
        output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ShouldHaveSingleItem(output);
    }
}
