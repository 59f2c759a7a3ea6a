using System.Text.Json;
using ActorTrading.Node.Tests;

namespace ActorTrading.Cli.Tests;

/// <summary>The CLI against a real node process: each command's table and <c>--json</c>, the prompt, and one line with exit
/// code 1 for a wrong token or address.</summary>
public sealed class CliSpecs : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-cli-" + Guid.NewGuid().ToString("N"));
    private NodeProcess? _node;
    private string _botId = "";
    private string _signalId = "";
    private List<string> _subscriptions = [];

    private NodeProcess Node => _node ?? throw new InvalidOperationException("started in InitializeAsync");

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.StartAsync(_dataDirectory);
        var bot = await Node.PostAsync("/api/v1/bots", new { name = "Cli bot", master_webhook_path = "cli-1", default_leverage = 3, default_margin_usd = 100 });
        _botId = bot.GetProperty("id").GetString() ?? "";
        for (var i = 0; i < 2; i++)
        {
            var account = await Node.PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = $"cli-{i}", secret_key = "paper-secret" });
            var subscription = await Node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = _botId, exchange_account_id = account.GetProperty("id").GetString() });
            _subscriptions.Add(subscription.GetProperty("id").GetString() ?? "");
        }

        var accepted = await Node.PostAlertAsync("/api/v1/bots/webhook/master/cli-1?wait=5000",
            $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""");
        _signalId = accepted.GetProperty("signal_id").GetString() ?? "";
        _subscriptions = [.. _subscriptions.Order(StringComparer.Ordinal)];
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
    public async Task Bot_list_is_a_pipe_separated_table_and_json_the_nodes_answer()
    {
        var (code, output, error) = await RunAsync("bot", "list");

        code.ShouldBe(0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("| id " + new string(' ', _botId.Length - 2) + "| name    | active | subscribers | leverage | margin usd | webhook path |");
        lines.ShouldContain(l => l.StartsWith($"| {_botId} | Cli bot | true   | 2           | 3        | 100", StringComparison.Ordinal), output);
        lines[^1].ShouldBe("Count: 1");

        var (jsonCode, json, _) = await RunAsync("bot", "list", "--json");
        jsonCode.ShouldBe(0);
        JsonDocument.Parse(json).RootElement.EnumerateArray().Single().GetProperty("bot_id").GetString().ShouldBe(_botId);
    }

    [Fact]
    public async Task A_bot_is_shown_paused_resumed_and_given_a_new_secret()
    {
        (await RunAsync("bot", "show", _botId)).Output.ShouldMatch(@"\| is_active +\| true +\|");
        var (paused, pausedOutput, _) = await RunAsync("bot", "pause", _botId);
        paused.ShouldBe(0);
        pausedOutput.Trim().ShouldBe($"bot {_botId}: paused");
        (await RunAsync("bot", "show", _botId)).Output.ShouldMatch(@"\| is_active +\| false +\|");

        (await RunAsync("bot", "resume", _botId)).Output.Trim().ShouldBe($"bot {_botId}: active");
        var (_, shown, _) = await RunAsync("bot", "show", _botId, "--json");
        JsonDocument.Parse(shown).RootElement.GetProperty("is_active").GetBoolean().ShouldBeTrue();

        var (rotated, secret, _) = await RunAsync("bot", "rotate-secret", _botId);
        rotated.ShouldBe(0);
        secret.ShouldMatch($"^bot {_botId}: new master secret \\(shown once\\): [0-9a-f]{{64}}\\s*$");
    }

    [Fact]
    public async Task Subscriptions_are_listed_shown_paused_and_resumed()
    {
        var (code, output, _) = await RunAsync("subscription", "list");
        code.ShouldBe(0);
        foreach (var subscription in _subscriptions)
        {
            output.ShouldContain($"| {subscription} | {_botId} |");
        }

        (await RunAsync("subscription", "pause", _subscriptions[0])).Output.Trim().ShouldBe($"subscription {_subscriptions[0]}: paused");
        (await RunAsync("subscription", "show", _subscriptions[0])).Output.ShouldContain("| status ");
        var (_, json, _) = await RunAsync("subscription", "show", _subscriptions[0], "--json");
        JsonDocument.Parse(json).RootElement.GetProperty("status").GetString().ShouldBe("paused");
        (await RunAsync("subscription", "resume", _subscriptions[0])).Output.Trim().ShouldBe($"subscription {_subscriptions[0]}: active");
    }

    [Fact]
    public async Task A_signal_is_shown_with_every_subscribers_outcome()
    {
        var (code, output, error) = await RunAsync("signal", "show", _signalId);

        code.ShouldBe(0, error);
        output.ShouldContain($"| {_signalId}");
        output.ShouldContain("| successful_executions | 2");
        foreach (var subscription in _subscriptions)
        {
            output.ShouldContain($"| {subscription} | executed |");
        }

        var (_, json, _) = await RunAsync("signal", "show", _signalId, "--json");
        JsonDocument.Parse(json).RootElement.GetProperty("executions").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Without_a_command_it_prompts_and_runs_each_line_until_exit()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([Address, "--token", NodeProcess.AdminToken], output, error, new StringReader("bot list\nhistory\nexit\n"), _ => null);

        code.ShouldBe(0, error.ToString());
        output.ToString().ShouldContain($"[{new Uri("http://" + Address).Authority}] actortrading> ");
        output.ToString().ShouldContain($"| {_botId} | Cli bot |");
        output.ToString().ShouldContain("   1  bot list");
    }

    [Fact]
    public async Task A_wrong_token_is_one_line_and_exit_code_1()
    {
        var (code, output, error) = await RunAsync("bot", "list", "--token", "not-the-admin-token-000");

        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.Trim().ShouldBe($"actortrading: the node at http://{Address}/ refused the token (401): give the admin token with --token or ACTORTRADING_ADMIN_TOKEN");
    }

    [Fact]
    public async Task An_address_with_no_node_is_one_line_and_exit_code_1()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["127.0.0.1:1", "bot", "list", "--token", NodeProcess.AdminToken], output, error, TextReader.Null, _ => null);

        code.ShouldBe(1);
        error.ToString().Trim().Split('\n').ShouldHaveSingleItem().ShouldStartWith("actortrading: cannot reach the node at http://127.0.0.1:1/");
    }

    [Fact]
    public async Task The_token_comes_from_the_environment_when_not_given()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync([Address, "bot", "list"], output, error, TextReader.Null,
            variable => variable == "ACTORTRADING_ADMIN_TOKEN" ? NodeProcess.AdminToken : null);

        code.ShouldBe(0, error.ToString());
        output.ToString().ShouldContain(_botId);
    }

    [Fact]
    public async Task The_cluster_palettes_on_a_single_node_say_in_one_line_that_it_runs_alone()
    {
        var (code, _, error) = await RunAsync("cluster", "show");

        code.ShouldBe(1);
        error.Trim().Split('\n').ShouldHaveSingleItem().ShouldBe(
            "actortrading: GET /api/v1/cluster/members: 404 this node runs alone (started without --cluster): it has no members and no shard leases");
        var (joinCode, join, _) = await RunAsync("cluster", "join");
        joinCode.ShouldBe(0);
        join.ShouldContain("the membership table in PostgreSQL is the rendezvous");
    }

    private string Address => Node.Address.Authority;

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var withToken = args.Contains("--token") ? args : [.. args, "--token", NodeProcess.AdminToken];
        var code = await CliApp.RunAsync([Address, .. withToken], output, error, TextReader.Null, _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
