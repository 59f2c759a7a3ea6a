using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>The node as its own process (<c>dotnet actortrading-node.dll</c>, copied here by the project reference).</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;
    private bool _disposed;

    private NodeProcess(Process process, Uri address)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Address = address;
        _http = new HttpClient { BaseAddress = address };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>Where the node's HTTP API listens.</summary>
    public Uri Address { get; }

    /// <summary>The admin token every node process of the tests is given.</summary>
    public const string AdminToken = "process-admin-token-0123456789";

    /// <summary>Starts a node on <paramref name="dataDirectory"/> (and <paramref name="postgres"/> when given) and waits until it is ready.</summary>
    public static async Task<NodeProcess> StartAsync(string dataDirectory, Uri? simulator = null, string? postgres = null, IReadOnlyList<string>? arguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var node = Launch(dataDirectory, simulator, postgres, environment, arguments);
        try
        {
            await node.WaitUntilReadyAsync();
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    /// <summary>Starts a node (with <paramref name="environment"/>'s variables besides) that is expected to exit on its own;
    /// returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDirectory, string? postgres = null,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null, int? port = null)
    {
        await using var node = Launch(dataDirectory, null, postgres, environment, arguments, port);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await node._process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the node did not exit within 60 s: {node.Output}");
        }

        // WaitForExitAsync also waits for the redirected streams' end, so the output is complete.
        return (node._process.ExitCode, node.Output);
    }

    private static NodeProcess Launch(string dataDirectory, Uri? simulator, string? postgres, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? arguments = null, int? port = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "actortrading-node.dll"), "--urls", address.ToString(),
                     "--ActorTrading:DataDirectory", dataDirectory, "--ActorTrading:AdminToken", AdminToken, "--Logging:LogLevel:Default", "Warning" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments ?? [])
        {
            info.ArgumentList.Add(argument);
        }

        if (simulator is not null)
        {
            info.Environment["ACTORTRADING_BINANCE_URL"] = simulator.ToString();
        }

        // Never the developer's own database: only the one the test names.
        info.Environment.Remove("ACTORTRADING_POSTGRES");
        if (postgres is not null)
        {
            info.Environment["ACTORTRADING_POSTGRES"] = postgres;
        }

        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[variable] = value;
        }

        return new NodeProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the node"), address);
    }

    private Task WaitUntilReadyAsync() =>
        Eventually.HoldsAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the node exited with {_process.ExitCode}: {Output}");
            }

            try
            {
                return (await _http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the node ready", TimeSpan.FromSeconds(60));

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

    public async Task<JsonElement> PostAsync(string path, object body) => await ReadAsync(await _http.PostAsJsonAsync(path, body));

    /// <summary>The response to a POST of <paramref name="body"/> as JSON, whatever its status.</summary>
    public Task<HttpResponseMessage> PostRawAsync(string path, object body) => _http.PostAsJsonAsync(path, body);

    public async Task<JsonElement> PostAlertAsync(string path, string alert)
    {
        var response = await _http.PostAsync(path, new StringContent(alert, Encoding.UTF8, "text/plain"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await ReadAsync(response);
    }

    public async Task<JsonElement> GetAsync(string path) => await ReadAsync(await _http.GetAsync(path));

    /// <summary>As <see cref="GetAsync"/>, null for a 404 (what the read tables have not caught up with yet).</summary>
    public async Task<JsonElement?> GetIfFoundAsync(string path)
    {
        var response = await _http.GetAsync(path);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync(response);
    }

    /// <summary>The node's process id (for signals: <c>kill -STOP</c>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited, and with which code.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>kill -9: the process ends at once, nothing of it runs again.</summary>
    public Task KillHardAsync() => KillAsync();

    private async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
