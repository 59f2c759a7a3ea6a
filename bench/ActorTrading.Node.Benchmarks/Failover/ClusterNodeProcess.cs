using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorTrading.Node.Benchmarks;

/// <summary>A node started with <c>--cluster</c> as its own process (<c>dotnet actortrading-node.dll</c>, beside the
/// harness by its project reference), on a loopback port of its own.</summary>
internal sealed class ClusterNodeProcess : IAsyncDisposable
{
    public const string AdminToken = "bench-admin-token-0123456789";
    private static readonly string s_secretKey = Convert.ToBase64String(new byte[32]);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ClusterNodeProcess(Process process, Uri address, TimeSpan askTimeout)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = askTimeout + TimeSpan.FromSeconds(5) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public Uri Address { get; }

    public string Authority => Address.GetLeftPart(UriPartial.Authority);

    public HttpClient Http { get; }

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

    /// <summary>CPU time the process has used so far (user and system, from <c>/proc</c>).</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The process's resident set now (<c>VmRSS</c>).</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>Starts a member on <paramref name="postgres"/> at <paramref name="port"/> (a free one when null) and waits
    /// until it is ready; <paramref name="environment"/> adds settings (ASP.NET names: <c>ActorTrading__Section__Key</c>).</summary>
    public static async Task<ClusterNodeProcess> StartAsync(string postgres, Uri simulator, TimeSpan askTimeout, int? port = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "actortrading-node.dll"), "--cluster", "--urls", address.ToString(),
                     "--ActorTrading:DataDirectory", Directory.CreateTempSubdirectory("actortrading-bench-node-").FullName, "--ActorTrading:AdminToken", AdminToken,
                     "--ActorTrading:AskTimeout", askTimeout.ToString(), "--Logging:LogLevel:Default", "Warning" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ACTORTRADING_POSTGRES"] = postgres;
        info.Environment["ACTORTRADING_SECRET_KEY"] = s_secretKey;
        info.Environment["ACTORTRADING_BINANCE_URL"] = simulator.ToString();
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[variable] = value;
        }

        var node = new ClusterNodeProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the node"), address, askTimeout);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (node._process.HasExited)
            {
                throw new InvalidOperationException($"the node exited with {node._process.ExitCode}: {node.Output}");
            }

            try
            {
                if ((await node.Http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                await node.DisposeAsync();
                throw new TimeoutException($"the node at {address} was not ready within 60 s: {node.Output}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>A POST that may answer 503 (the node could not reach its store or an entity in time): null then.</summary>
    public async Task<JsonElement?> TryPostAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement
            : response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable ? null
            : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    public async Task<JsonElement> GetAsync(string path) => JsonDocument.Parse(await Http.GetStringAsync(path)).RootElement;

    /// <summary><c>kill -9</c>.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary><c>kill -TERM</c>, then waits for the node to exit (its shards handed off).</summary>
    public async Task StopAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
