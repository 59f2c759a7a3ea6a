using System.Diagnostics;
using System.Globalization;

namespace ActorTrading.TestSupport;

/// <summary>
/// Stops and starts the private PostgreSQL of the test run, for tests of what the stores do while the
/// database is down. Available only when <c>./test.sh</c> started the server itself
/// (see <see cref="IsAvailable"/>), never against a server named by <c>ACTORTRADING_TEST_POSTGRES</c>
/// alone.
/// </summary>
/// <remarks>
/// Stopping the server affects every test that uses it: run outage tests in an xunit collection
/// defined with <c>DisableParallelization = true</c>. Connections pooled before a stop are broken
/// after it; the first use of each one fails.
/// </remarks>
public static class PostgresControl
{
    /// <summary>The directory of <c>pg_ctl</c>.</summary>
    public const string BinVariable = "ACTORTRADING_TEST_PG_BIN";

    /// <summary>The server's data directory.</summary>
    public const string DataVariable = "ACTORTRADING_TEST_PG_DATA";

    /// <summary>The OS user that runs the server.</summary>
    public const string UserVariable = "ACTORTRADING_TEST_PG_USER";

    /// <summary>The server's log file (optional; default <c>postgres.log</c> in the data directory).</summary>
    public const string LogVariable = "ACTORTRADING_TEST_PG_LOG";

    /// <summary>How long <c>pg_ctl</c> waits for the server to stop or to accept connections.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>True when the server is the private one of this test run, which the tests may stop and start.</summary>
    public static bool IsAvailable => Get(BinVariable) is not null && Get(DataVariable) is not null;

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>: open sessions are ended) and waits until it is down.</summary>
    /// <param name="cancellationToken">Cancels the wait and kills <c>pg_ctl</c>.</param>
    /// <returns>A task that completes when the server is down.</returns>
    /// <exception cref="InvalidOperationException">Not <see cref="IsAvailable"/>, or <c>pg_ctl</c> failed (its output is in the message).</exception>
    public static Task StopAsync(CancellationToken cancellationToken = default) =>
        PgCtlAsync(["-D", Required(DataVariable), "-m", "fast", "-w", "-t", Seconds(), "stop"], cancellationToken);

    /// <summary>Starts the server again with its own settings (same port) and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the wait and kills <c>pg_ctl</c>.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    /// <exception cref="InvalidOperationException">Not <see cref="IsAvailable"/>, or <c>pg_ctl</c> failed (its output is in the message).</exception>
    public static Task StartAsync(CancellationToken cancellationToken = default)
    {
        var data = Required(DataVariable);
        var log = Get(LogVariable) ?? Path.Combine(data, "postgres.log");
        // -l matters beyond logging: without it the server would inherit pg_ctl's redirected output,
        // and reading that output would never end.
        return PgCtlAsync(["-D", data, "-l", log, "-w", "-t", Seconds(), "start"], cancellationToken);
    }

    private static async Task PgCtlAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var pgCtl = Path.Combine(Required(BinVariable), "pg_ctl");
        var user = Get(UserVariable);
        var runAs = user is not null && !string.Equals(user, Environment.UserName, StringComparison.Ordinal) ? user : null;
        var (exitCode, output, command) = await ServerProcess.ExecuteAsync(pgCtl, arguments, runAs, Required(DataVariable), cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"`{command}` exited with {exitCode}.{Environment.NewLine}{output}");
        }
    }

    private static string Seconds() => ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static string? Get(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;

    private static string Required(string variable) =>
        Get(variable) ?? throw new InvalidOperationException(
            $"{variable} is not set: stopping and starting PostgreSQL needs the private server that ./test.sh starts " +
            $"(check {nameof(PostgresControl)}.{nameof(IsAvailable)} first).");
}
