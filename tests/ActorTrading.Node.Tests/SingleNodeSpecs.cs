using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>
/// Until the cluster exists, a second node process on a store another node runs on exits at once with one line naming the
/// store; the first node keeps serving. Both are real node processes.
/// </summary>
public sealed class SingleNodeSpecs : IAsyncLifetime
{
    private readonly string _first = Path.Combine(Path.GetTempPath(), "actortrading-single-" + Guid.NewGuid().ToString("N"));
    private readonly string _second = Path.Combine(Path.GetTempPath(), "actortrading-single-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var directory in new[] { _first, _second }.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_second_node_on_the_same_data_directory_exits_at_once_with_one_line_naming_it()
    {
        await using var first = await NodeProcess.StartAsync(_first);

        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_first);

        exitCode.ShouldBe(1, output);
        ShouldBeOneRefusal(output, $"another node is already running on the data directory {Path.GetFullPath(_first)}");
        (await first.GetAsync("/api/v1/bots/health")).GetProperty("status").GetString().ShouldBe("ok", "the first node still serves");
    }

    [Fact]
    public async Task A_second_node_on_the_same_postgres_database_exits_at_once_with_one_line_naming_it()
    {
        await using var database = await TestDatabase.CreateAsync("single_node");
        await using var first = await NodeProcess.StartAsync(_first, postgres: database.ConnectionString);

        // Another data directory: the database alone is what the two would share.
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_second, database.ConnectionString);

        exitCode.ShouldBe(1, output);
        ShouldBeOneRefusal(output, "another node is already running on PostgreSQL ");
        (await first.GetAsync("/api/v1/bots/health")).GetProperty("status").GetString().ShouldBe("ok", "the first node still serves");
        File.Exists(Path.Combine(_second, "secret.key")).ShouldBeFalse("the refused node wrote nothing (no generated key)");
    }

    [Fact]
    public async Task A_cluster_node_on_the_database_of_a_single_node_exits_at_once_with_one_line_naming_it()
    {
        await using var database = await TestDatabase.CreateAsync("single_node");
        await using var first = await NodeProcess.StartAsync(_first, postgres: database.ConnectionString);

        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(_second, database.ConnectionString, arguments: ["--cluster"]);

        exitCode.ShouldBe(1, output);
        ShouldBeOneRefusal(output, "a single node (not --cluster) is already running on PostgreSQL ");
    }

    [Fact]
    public async Task A_node_starts_again_on_its_data_directory_once_the_first_one_is_gone()
    {
        var first = await NodeProcess.StartAsync(_first);
        await first.DisposeAsync(); // killed: the operating system releases the lock

        await using var second = await NodeProcess.StartAsync(_first);
        (await second.GetAsync("/api/v1/bots/health")).GetProperty("status").GetString().ShouldBe("ok");
    }

    private static void ShouldBeOneRefusal(string output, string expected)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Where(l => l.StartsWith("actortrading: ", StringComparison.Ordinal) && l.Contains(" is already running on ", StringComparison.Ordinal))
            .ShouldHaveSingleItem(output).ShouldContain(expected, Case.Sensitive, output);
        output.ShouldContain("one node runs per store");
        output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        output.ShouldNotContain("Unhandled exception", Case.Sensitive);
    }
}
