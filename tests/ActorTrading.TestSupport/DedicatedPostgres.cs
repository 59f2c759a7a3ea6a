using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorTrading.TestSupport;

/// <summary>
/// A throwaway PostgreSQL cluster of its own, for one test that stops and starts its server (outage
/// tests) while other tests keep using the run's shared private server undisturbed. Built like
/// <c>scripts/private-postgres.sh</c> builds the shared one: a fresh cluster in a temp dir, run by
/// <c>ACTORTRADING_TEST_PG_USER</c> (through <c>runuser</c> when that is not the current user), listening
/// only on 127.0.0.1 on a free port with its unix socket in that dir, trust authentication, fsync on.
/// Needs the binaries the private server came from (<c>ACTORTRADING_TEST_PG_BIN</c>, set by <c>./test.sh</c>).
/// </summary>
/// <remarks>
/// Connections pooled before <see cref="StopAsync"/> are broken after it; the first use of each one fails.
/// </remarks>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    /// <summary>How long starting, stopping and waiting for readiness may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly string? _runAs;
    private readonly string _directory;
    private int _disposed;

    private DedicatedPostgres(string bin, string? runAs, string directory, int port)
    {
        _bin = bin;
        _runAs = runAs;
        _directory = directory;
        Port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres";
    }

    /// <summary>The port on 127.0.0.1; the same after a restart.</summary>
    public int Port { get; }

    /// <summary>An Npgsql connection string of the cluster's <c>postgres</c> database, as superuser <c>postgres</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's log file (for failure messages).</summary>
    public string LogPath => Path.Combine(_directory, "postgres.log");

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Creates the cluster, starts it and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the start (the cluster is then removed).</param>
    /// <returns>The running server; dispose it to stop it and delete its files.</returns>
    /// <exception cref="InvalidOperationException"><c>ACTORTRADING_TEST_PG_BIN</c> is not set, or a PostgreSQL program failed (its output is in the message).</exception>
    public static async Task<DedicatedPostgres> CreateAsync(CancellationToken cancellationToken = default)
    {
        var bin = Get(PostgresControl.BinVariable) ?? throw new InvalidOperationException(
            $"{PostgresControl.BinVariable} is not set: a dedicated PostgreSQL needs the server binaries that ./test.sh finds " +
            "(run the tests with ./test.sh, or set it to the directory of initdb, pg_ctl and pg_isready).");
        var user = Get(PostgresControl.UserVariable);
        var runAs = user is not null && !string.Equals(user, Environment.UserName, StringComparison.Ordinal) ? user : null;
        var directory = Directory.CreateTempSubdirectory("actortrading-pg-dedicated.").FullName;
        var server = new DedicatedPostgres(bin, runAs, directory, FreePort());
        try
        {
            await server.CreateClusterAsync(cancellationToken);
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>: open sessions are ended) and waits until it is down.</summary>
    /// <param name="cancellationToken">Cancels the wait and kills <c>pg_ctl</c>.</param>
    /// <returns>A task that completes when the server is down.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        RunAsync(PgProgram("pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", Seconds(), "stop"], asServerUser: true, cancellationToken);

    /// <summary>Starts the server again (same port, same data) and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the wait and kills <c>pg_ctl</c>.</param>
    /// <returns>A task that completes when <c>pg_isready</c> says the server accepts connections.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // -l matters beyond logging: without it the server would inherit pg_ctl's redirected output,
        // and reading that output would never end.
        await RunAsync(PgProgram("pg_ctl"), ["-D", DataDirectory, "-l", LogPath, "-w", "-t", Seconds(), "start"], asServerUser: true, cancellationToken);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>Stops the server if it runs (immediately: nothing in it is kept) and deletes its directory.</summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile))
        {
            try
            {
                await RunAsync(PgProgram("pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], asServerUser: true, CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // pg_ctl could not stop it: kill the postmaster by its pid (first line of postmaster.pid).
                if (File.Exists(pidFile)
                    && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    try
                    {
                        using var postmaster = Process.GetProcessById(pid);
                        postmaster.Kill();
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }
            }
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task CreateClusterAsync(CancellationToken cancellationToken)
    {
        if (_runAs is not null)
        {
            // initdb refuses to run as root: the server's user must own the directory it works in.
            await RunAsync("chown", [$"{_runAs}:", _directory], asServerUser: false, cancellationToken);
        }

        await RunAsync(PgProgram("initdb"),
            ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            asServerUser: true, cancellationToken);

        // Settings live in the data dir, so that a plain `pg_ctl start` brings the server back with the same port.
        // Appending keeps the files' owner (the server's user).
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            # --- dedicated test server (ActorTrading.TestSupport.DedicatedPostgres) ---
            listen_addresses = '127.0.0.1'
            port = {Port.ToString(CultureInfo.InvariantCulture)}
            unix_socket_directories = '{_directory}'
            max_connections = 200
            shared_buffers = 32MB
            fsync = on
            synchronous_commit = on
            full_page_writes = on

            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), """
            # A throwaway cluster reachable only on loopback: trust.
            local all         all                trust
            host  all         all  127.0.0.1/32  trust

            """, cancellationToken);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var readiness = PgProgram("pg_isready");
        string[] arguments = ["-q", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-t", "1"];
        while (await ExitCodeAsync(readiness, arguments, cancellationToken) != 0)
        {
            if (Stopwatch.GetElapsedTime(started) > Timeout)
            {
                throw new InvalidOperationException(
                    $"the dedicated PostgreSQL on 127.0.0.1:{Port} was not ready within {Timeout.TotalSeconds:0} s; server log:{Environment.NewLine}{ReadLog()}");
            }

            // Polling interval of a wait on a condition (readiness), bounded by the deadline above.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private string PgProgram(string name) => Path.Combine(_bin, name);

    private string ReadLog()
    {
        try
        {
            return File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";
        }
        catch (IOException exception)
        {
            return $"(log unreadable: {exception.Message})";
        }
    }

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asServerUser, CancellationToken cancellationToken)
    {
        var (exitCode, output, command) = await ExecuteAsync(program, arguments, asServerUser, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"`{command}` exited with {exitCode}.{Environment.NewLine}{output}");
        }
    }

    private async Task<int> ExitCodeAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        (await ExecuteAsync(program, arguments, asServerUser: false, cancellationToken)).ExitCode;

    private Task<(int ExitCode, string Output, string Command)> ExecuteAsync(
        string program, IReadOnlyList<string> arguments, bool asServerUser, CancellationToken cancellationToken) =>
        ServerProcess.ExecuteAsync(program, arguments, asServerUser ? _runAs : null, _directory, cancellationToken);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Seconds() => ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static string? Get(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
