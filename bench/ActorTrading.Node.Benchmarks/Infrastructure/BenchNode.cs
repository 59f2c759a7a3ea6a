using System.Net.Http.Headers;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Exchanges.Transport;
using ActorTrading.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Benchmarks;

/// <summary>Which store the node runs on.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A whole node in this process, built the way the node's own specs build it (<see cref="NodeHost.BuildAsync"/>):
/// Kestrel on <c>127.0.0.1:0</c>, a fixed admin token, <see cref="FixedPrices"/> for the paper exchange, a data
/// directory in a new temporary folder (the SQLite file, the generated secret key) and, for PostgreSQL, a new
/// database on the server of <c>ACTORTRADING_TEST_POSTGRES</c> (<see cref="TestDatabase"/>). Everything is removed
/// on dispose.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    public const string AdminToken = "bench-admin-token-0123456789";

    // The node applies these after the command line (NodeHost.ReadOptions), so they would silently win over the
    // harness's --ActorTrading:* arguments; the harness clears them for its own process.
    private static readonly string[] s_overridingVariables = ["ACTORTRADING_DATA_DIR", "ACTORTRADING_POSTGRES", "ACTORTRADING_ADMIN_TOKEN", "ACTORTRADING_SECRET_KEY"];

    private readonly TestDatabase? _database;
    private readonly string _directory;

    private BenchNode(StoreKind kind, WebApplication app, NodeRuntime runtime, FixedPrices prices, Uri address, TestDatabase? database, string directory)
    {
        Kind = kind;
        App = app;
        Runtime = runtime;
        Prices = prices;
        Address = address;
        _database = database;
        _directory = directory;
        Http = NewClient();
    }

    public StoreKind Kind { get; }

    public WebApplication App { get; }

    public NodeRuntime Runtime { get; }

    public FixedPrices Prices { get; }

    /// <summary>Where Kestrel listens (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Address { get; }

    /// <summary>A client for set-up and checks (admin token set); load generators make their own.</summary>
    public HttpClient Http { get; }

    /// <summary>The store as the node describes it (no password).</summary>
    public string Details => Runtime.Stores.Description;

    public static string Name(StoreKind kind) => kind == StoreKind.Postgres ? "postgres" : "sqlite";

    /// <summary>Starts a node; <paramref name="defaultLogging"/> keeps ASP.NET Core's per-request Information lines (a node's default);
    /// <paramref name="exchanges"/> are its exchange clients' settings (a simulator's base URLs), the node's default when null.</summary>
    public static async Task<BenchNode> StartAsync(StoreKind kind, string purpose, bool defaultLogging = false, ExchangeClientSettings? exchanges = null)
    {
        foreach (var variable in s_overridingVariables)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 })
            {
                Console.WriteLine($"note: {variable} is set in the environment; cleared for this process (the harness chooses its own store and token)");
                Environment.SetEnvironmentVariable(variable, null);
            }
        }

        var directory = Path.Combine(Path.GetTempPath(), $"actortrading-bench-node-{purpose}-{Guid.NewGuid():N}");
        TestDatabase? database = null;
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--ActorTrading:DataDirectory", directory,
            "--ActorTrading:AdminToken", AdminToken,
        };
        if (!defaultLogging)
        {
            // ASP.NET Core's per-request Information lines (six per request on a node) would flood the harness's output;
            // Warning is what ASP.NET Core's own appsettings.json template sets. Everything else logs as a node does.
            args.AddRange(["--Logging:LogLevel:Microsoft.AspNetCore", "Warning"]);
        }

        if (kind == StoreKind.Postgres)
        {
            database = await TestDatabase.CreateAsync($"bench_node_{purpose.Replace('-', '_')}");
            args.AddRange(["--ActorTrading:Postgres", database.ConnectionString]);
        }

        try
        {
            var prices = new FixedPrices();
            var app = await NodeHost.BuildAsync([.. args], prices, exchanges);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new BenchNode(kind, app, app.Services.GetRequiredService<NodeRuntime>(), prices, new Uri(address), database, directory);
        }
        catch
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>A new client of the node with its own connection pool and the admin token.</summary>
    public HttpClient NewClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        finally
        {
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }

            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException exception)
            {
                await Console.Error.WriteLineAsync($"could not remove {_directory}: {exception.Message}");
            }
        }
    }
}
