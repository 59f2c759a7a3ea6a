using System.Reflection;

namespace ActorTrading.Node;

/// <summary>
/// What the node answers without starting: <c>--help</c>, <c>--version</c> and <c>--health-check</c>. Every other argument is a setting (.NET's
/// command-line configuration: <c>--ActorTrading:Key value</c>), so this is not a parser of its own.
/// </summary>
public static class NodeCommandLine
{
    /// <summary>The node's version: the informational version of its assembly (the package version and commit).</summary>
    public static string Version { get; } =
        typeof(NodeCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NodeCommandLine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The exit code when <paramref name="args"/> ask for help, the version or a health check (written to
    /// <paramref name="output"/>); null when the node is to start.</summary>
    public static async Task<int?> AnswerAsync(string[] args, TextWriter output)
    {
        if (Array.IndexOf(args, "--health-check") is var at and >= 0)
        {
            return await HealthCheckAsync(at + 1 < args.Length ? args[at + 1] : DefaultHealthUrl, output);
        }

        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            output.Write(Usage);
            return 0;
        }

        if (args.Contains("--version"))
        {
            output.WriteLine($"actortrading-node {Version}");
            return 0;
        }

        return null;
    }

    /// <summary>What <c>--health-check</c> asks when given no URL: the readiness of a node on the container's port.</summary>
    public const string DefaultHealthUrl = "http://127.0.0.1:8080/health/ready";

    // For a container's HEALTHCHECK: the runtime images have no curl or wget, and the node's own binary is there anyway.
    private static async Task<int> HealthCheckAsync(string url, TextWriter output)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            output.WriteLine($"actortrading: --health-check takes an http:// or https:// URL, not '{url}'");
            return 1;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(uri);
            output.WriteLine($"{uri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception unreachable) when (unreachable is HttpRequestException or TaskCanceledException)
        {
            output.WriteLine($"{uri}: {unreachable.Message}");
            return 1;
        }
    }

    private const string Usage = """
        Usage: actortrading-node [options] [--ActorTrading:<Key> <value> ...]

        Runs an ActorTrading node: the webhook ingress, the HTTP API and the trading entities.
        With no settings it runs one node on SQLite in ./data with the paper exchange.

        Options:
          --urls <urls>        Where the HTTP API listens (default http://localhost:5000; ';' between several).
          --demo               Create a demo bot with paper subscriptions at start and print how to fire it.
          --cluster            Join the cluster of the nodes on the same PostgreSQL (ActorTrading:Cluster:Enabled).
          --health-check [url] Ask a running node's readiness (default http://127.0.0.1:8080/health/ready); exit 0 when ready.
          --help, -h           Show this help and exit.
          --version            Show the version and exit.

        Settings (README.md lists every key, its default and its check):
          --ActorTrading:<Key> <value>   any setting, e.g. --ActorTrading:DataDirectory /var/lib/actortrading
          ActorTrading__<Key>=<value>    the same as an environment variable
          ACTORTRADING_POSTGRES          PostgreSQL connection string (replaces SQLite)
          ACTORTRADING_DATA_DIR          the data directory
          ACTORTRADING_ADMIN_TOKEN       the admin API token (generated and printed once when unset)
          ACTORTRADING_SECRET_KEY        base64 of the 32-byte key that encrypts exchange secrets

        Exit codes: 0 stopped normally; 1 refused to start (the line printed says why), or downed by the cluster.

        """;
}
