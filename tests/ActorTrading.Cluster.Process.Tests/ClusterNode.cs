using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.TestSupport;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>
/// One node process of a <see cref="NodeCluster"/>: <c>dotnet actortrading-node.dll</c> (copied beside the tests by the
/// project reference) with its own port, data directory and <see cref="TcpProxy"/> in front of PostgreSQL, which it keeps
/// across <see cref="RestartAsync"/> (a restarted node comes back at the same address, as an operator's would). The fault
/// scenarios act on it as an operator or the kernel would: kill -9, SIGSTOP/SIGCONT (a zombie), SIGTERM (graceful leave),
/// and a partition or reset of its database link through <see cref="PostgresProxy"/>.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    /// <summary>How long a node may take to become ready, or to exit after SIGTERM.</summary>
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly NodeClusterOptions _options;
    private readonly StringBuilder _output = new();
    private System.Diagnostics.Process? _process;
    private bool _disposed;

    internal ClusterNode(int index, NodeClusterOptions options, TcpProxy postgresProxy, string proxiedPostgres)
    {
        Index = index;
        _options = options;
        PostgresProxy = postgresProxy;
        ProxiedPostgres = proxiedPostgres;
        Address = new Uri($"http://127.0.0.1:{NodeCluster.FreePort().ToString(CultureInfo.InvariantCulture)}");
        RemotingPort = NodeCluster.FreePort();
        RemotingProxy = options.ProxyRemoting ? TcpProxy.Start("127.0.0.1", RemotingPort) : null;
        DataDirectory = Path.Combine(Path.GetTempPath(), $"actortrading-cluster-{index}-{Guid.NewGuid():N}");
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", NodeCluster.AdminToken);
    }

    /// <summary>The node's place in the cluster (0, 1, …), also in its name <c>node-{Index}</c>.</summary>
    public int Index { get; }

    /// <summary>Where the node's HTTP API listens (its first <c>--urls</c>, so also its cluster address).</summary>
    public Uri Address { get; }

    /// <summary>The node's <c>ActorTrading:Cluster:RemotingPort</c>.</summary>
    public int RemotingPort { get; }

    /// <summary>With <see cref="NodeClusterOptions.ProxyRemoting"/>, the proxy every peer's actor messages to this node pass
    /// (the port it advertises): blackhole or reset it to cut the node off its peers, not its database.</summary>
    public TcpProxy? RemotingProxy { get; }

    /// <summary>The node's own data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The proxy between this node and PostgreSQL: blackhole or reset it to cut the node off its database.</summary>
    public TcpProxy PostgresProxy { get; }

    /// <summary>The connection string the node is given (<c>ACTORTRADING_POSTGRES</c>): PostgreSQL through <see cref="PostgresProxy"/>.</summary>
    public string ProxiedPostgres { get; }

    /// <summary>An HTTP client of the node's API, with the admin token.</summary>
    public HttpClient Http { get; }

    /// <summary>The running process's id.</summary>
    /// <exception cref="InvalidOperationException">The node was never started.</exception>
    public int ProcessId => Running.Id;

    /// <summary>True while the process runs (also while stopped by SIGSTOP).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What the process (all its runs) printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private System.Diagnostics.Process Running => _process ?? throw new InvalidOperationException($"node-{Index} was never started");

    /// <summary>Starts the process (again, after a kill or an exit: same port, data directory and proxy).</summary>
    /// <exception cref="InvalidOperationException">The node still runs.</exception>
    public void Launch()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"node-{Index} still runs (pid {_process?.Id}); kill or stop it before starting it again");
        }

        _process?.Dispose();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in Arguments())
        {
            info.ArgumentList.Add(argument);
        }

        // Never the developer's own settings: only what the test names.
        foreach (var variable in info.Environment.Keys.Where(k => k.StartsWith("ACTORTRADING_", StringComparison.Ordinal) || k.StartsWith("ActorTrading__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(variable);
        }

        foreach (var (variable, value) in Environment())
        {
            info.Environment[variable] = value;
        }

        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"could not start node-{Index}");
        Append($"--- node-{Index} started, pid {process.Id} ---");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails at once if the process exits.</summary>
    /// <returns>A task that completes when the node is ready.</returns>
    public Task WaitUntilReadyAsync() =>
        Eventually.HoldsAsync(async () =>
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"node-{Index} exited with {_process?.ExitCode}: {Output}");
            }

            try
            {
                return (await Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"node-{Index} ready", StartLimit, () => Output);

    /// <summary>Starts the node again after it died or stopped, and waits until it is ready.</summary>
    /// <returns>A task that completes when the node is ready again.</returns>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            await KillAsync();
        }

        Launch();
        await WaitUntilReadyAsync();
    }

    /// <summary>kill -9 of the process (and any child): no shutdown of any kind.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async Task KillAsync()
    {
        var process = Running;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP: the process freezes with every socket open (a zombie-to-be: a long GC pause, a stopped VM).</summary>
    /// <returns>A task that completes when the signal is sent.</returns>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: a process frozen by <see cref="PauseAsync"/> runs on where it stopped.</summary>
    /// <returns>A task that completes when the signal is sent.</returns>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>SIGTERM (graceful leave: the node hands its shards off) and waits until the process exits.</summary>
    /// <returns>The exit code.</returns>
    /// <exception cref="TimeoutException">It did not exit within <see cref="StartLimit"/>.</exception>
    public async Task<int> TerminateAsync()
    {
        await SignalAsync("TERM");
        using var deadline = new CancellationTokenSource(StartLimit);
        try
        {
            await Running.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node-{Index} did not exit within {StartLimit.TotalSeconds:0} s of SIGTERM: {Output}");
        }

        return Running.ExitCode;
    }

    /// <summary>GET of <paramref name="path"/>: its status and JSON body (<see cref="JsonValueKind.Undefined"/> when empty or not JSON).</summary>
    /// <param name="path">The path, e.g. <c>/api/v1/signals/{id}</c>.</param>
    /// <returns>The status code and the body.</returns>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => await ReadAsync(await Http.GetAsync(path));

    /// <summary>POST of <paramref name="body"/> as JSON to <paramref name="path"/>.</summary>
    /// <param name="path">The path.</param>
    /// <param name="body">The request, serialized as JSON.</param>
    /// <returns>The status code and the body.</returns>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body) => await ReadAsync(await Http.PostAsJsonAsync(path, body));

    /// <summary>POST of a TradingView alert (plain text) to a bot's webhook <paramref name="path"/>.</summary>
    /// <param name="path">The webhook path, e.g. <c>/api/v1/bots/webhook/master/{path}</c>.</param>
    /// <param name="alert">The alert's text.</param>
    /// <returns>The status code (202 when the signal is durable) and the body.</returns>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAlertAsync(string path, string alert) =>
        await ReadAsync(await Http.PostAsync(path, new StringContent(alert, Encoding.UTF8, "text/plain")));

    /// <summary>Kills the process if it runs, and deletes its data directory. The proxy belongs to the cluster.</summary>
    /// <returns>A task that completes when the node is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Http.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                // A stopped process dies of SIGKILL too.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"node-{Index} {Address} (pid {_process?.Id.ToString(CultureInfo.InvariantCulture) ?? "-"})";

    private IEnumerable<string> Arguments()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "actortrading-node.dll");
        yield return "--urls";
        yield return Address.ToString();
        yield return "--ActorTrading:DataDirectory";
        yield return DataDirectory;
        yield return "--ActorTrading:AdminToken";
        yield return NodeCluster.AdminToken;
        yield return "--Logging:LogLevel:Default";
        yield return "Warning";
        if (_options.Cluster)
        {
            yield return "--cluster";
        }
    }

    private Dictionary<string, string> Environment()
    {
        // One key on every node: an account's secret is encrypted by the node hosting the account and decrypted by whichever
        // node hosts a subscription trading on it, and both move when shards do.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ACTORTRADING_POSTGRES"] = ProxiedPostgres, ["ACTORTRADING_SECRET_KEY"] = NodeCluster.SecretKey,
        };
        if (_options.Simulator is { } simulator)
        {
            environment["ACTORTRADING_BINANCE_URL"] = simulator.ToString();
            environment["ACTORTRADING_BYBIT_URL"] = simulator.ToString();
        }

        if (_options.Cluster)
        {
            environment["ActorTrading__Cluster__RemotingPort"] = RemotingPort.ToString(CultureInfo.InvariantCulture);
            if (RemotingProxy is { } remoting)
            {
                environment["ActorTrading__Cluster__RemotingPublicPort"] = remoting.Port.ToString(CultureInfo.InvariantCulture);
            }
            environment["ActorTrading__Cluster__Secret"] = _options.Secret;
            if (_options.Roles?.Invoke(Index) is { Length: > 0 } roles)
            {
                environment["ActorTrading__Cluster__Roles"] = roles;
            }
        }

        foreach (var (variable, value) in _options.Environment?.Invoke(Index) ?? new Dictionary<string, string>())
        {
            environment[variable] = value;
        }

        return environment;
    }

    private async Task SignalAsync(string signal)
    {
        var pid = ProcessId.ToString(CultureInfo.InvariantCulture);
        using var kill = System.Diagnostics.Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid }, UseShellExecute = false })
            ?? throw new InvalidOperationException($"could not run kill -{signal} {pid}");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} (node-{Index}) exited with {kill.ExitCode}");
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            try
            {
                return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
            }
            catch (JsonException)
            {
                return (response.StatusCode, default);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
