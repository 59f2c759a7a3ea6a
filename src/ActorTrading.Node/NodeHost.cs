using ActorTrading.Exchanges.Paper;
using ActorTrading.Node.Api;

namespace ActorTrading.Node;

/// <summary>Builds the node's web application: settings, runtime, HTTP API, health.</summary>
public static class NodeHost
{
    /// <summary>Builds (and starts the runtime of) a node; <paramref name="prices"/> replaces the paper exchange's random walk and
    /// <paramref name="exchanges"/> the exchange settings of the configuration (tests).</summary>
    public static async Task<WebApplication> BuildAsync(string[] args, IPriceSource? prices = null, ActorTrading.Exchanges.Transport.ExchangeClientSettings? exchanges = null)
    {
        // Settings are read at start. Watching appsettings*.json for changes would watch the whole content root, and with
        // the data directory inside it every journal write would wake the watcher.
        var builder = WebApplication.CreateSlimBuilder([.. Settings(args), "--hostBuilder:reloadConfigOnChange=false"]);
        AddSettings(builder.Configuration, args);
        if (exchanges is not null)
        {
            builder.Services.AddSingleton(exchanges);
        }

        // One line per message, with the UTC time: what log collectors and `grep` expect of a service.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.AddActorTrading(builder.Configuration);
        // One ring for both containers (the runtime's, built at start, and the app's), so that it has the entities' lines
        // too; its size is the one bound and checked by AddActorTrading just above.
        var recentLogs = new Logging.RecentLogs((builder.Configuration.GetSection(NodeServices.Section).Get<NodeOptions>() ?? new NodeOptions()).RecentLogLines);
        builder.Services.AddSingleton(recentLogs);
        builder.Services.AddSingleton<ILoggerProvider>(recentLogs);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = NodeOptions.LargestBodyBytes);
        var runtime = await builder.Services.StartActorTradingAsync(line => Console.WriteLine($"actortrading: {line}"), prices);

        builder.Services.AddSingleton(runtime.System);
        var app = builder.Build();

        // Listening from the start (not from the first scrape or export), so that nothing recorded before is missed.
        app.Services.GetRequiredService<Metrics.PrometheusMetrics>();
        app.Services.GetService<Metrics.OtlpMetrics>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(); // an empty 4xx (no route: 404, wrong method: 405) gets problem details too
        var attempts = app.Services.GetRequiredService<FailedAttempts>();
        var tokens = app.Services.GetRequiredService<ApiTokens>();
        var admin = new TokenAuthentication(tokens, attempts, adminOnly: true);
        var anyCaller = new TokenAuthentication(tokens, attempts, adminOnly: false);
        app.MapWebhookApi();
        app.MapSignalsApi(admin);
        app.MapBotsApi(admin, anyCaller);
        app.MapUsersApi(admin);
        app.MapClusterApi(admin);
        app.MapAccountsApi(anyCaller);
        app.MapSubscriptionsApi(anyCaller);
        app.MapActorsApi(admin);
        app.MapLogsApi(admin);
        app.MapGet("/metrics", (Metrics.PrometheusMetrics metrics) => Results.Text(metrics.Scrape(), "text/plain; version=0.0.4; charset=utf-8"))
            .AddEndpointFilter(admin);
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        // Unauthenticated (load balancers and orchestrators call it): the kind of store and whether it works, never its path,
        // host, user or an error's text; those are in the log.
        app.MapGet("/health/ready", (NodeHealth node) => node.ClusterProblem is { } cluster
            ? Results.Json(new { status = "not_ready", store = node.StoreKind, reason = cluster }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : node.ProjectionError is not null
            ? Results.Json(new { status = "degraded", store = node.StoreKind, reason = "the read model cannot be updated: see the node's log" },
                statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Ok(new { status = "ready", store = node.StoreKind }));
        app.MapGet("/api/v1/bots/health", async (NodeHealth node, ReadModel.ReadQueries queries, CancellationToken cancellationToken) =>
        {
            var activity = await queries.ActivityAsync(cancellationToken);
            return Results.Ok(new
            {
                status = "ok",
                active_bots = activity.ActiveBots,
                active_subscriptions = activity.ActiveSubscriptions,
                last_signal_at = activity.LastSignalAt,
                read_model_lag_events = node.ReadModelLagEvents,
                dead_letters = node.DeadLetters,
            });
        });
        app.Lifetime.ApplicationStopping.Register(() => runtime.DisposeAsync().AsTask().GetAwaiter().GetResult());
        if (runtime.Cluster is { } member)
        {
            // Akka's run-coordinated-shutdown-when-down: a downed incarnation never comes back; its supervisor starts a new one.
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorTrading.Cluster");
            member.Downed += reason =>
            {
                NodeLog.Downed(logger, reason);
                Environment.ExitCode = 1;

                // Not on the keeper's thread: stopping runs the runtime's disposal, which waits for that thread's renewal. A
                // downed member has nothing to hand off, and a store cut off may hold its disposal: it exits within 15 s anyway.
                _ = Task.Run(async () =>
                {
                    app.Lifetime.StopApplication();
                    await Task.Delay(TimeSpan.FromSeconds(15));
                    Environment.Exit(1);
                });
            };
            // cluster leave: stopped as SIGTERM stops it, handing the shards off; exit code 0.
            member.LeaveRequested += () => _ = Task.Run(app.Lifetime.StopApplication);
        }
        if (runtime.Options.Demo)
        {
            app.Lifetime.ApplicationStarted.Register(() => _ = Demo.CreateAsync(app, runtime));
        }

        return app;
    }

    /// <summary>
    /// The order of the sources, later ones winning: hocon/reference.conf, the <c>--config PATH</c> file
    /// (<see cref="NodeConfiguration"/>), the environment (<c>ActorTrading__Key</c>, and the <c>ACTORTRADING_*</c> names
    /// scripts know, read through <paramref name="environment"/>, which the files' <c>${?VAR}</c> substitutions read too),
    /// then the command line. The builder already read the environment and the command line, before the files: they are
    /// added again after them, or the files would outrank them. <paramref name="baseDirectory"/> replaces the node's own
    /// directory, where hocon/ is (tests).
    /// </summary>
    internal static void AddSettings(IConfigurationBuilder configuration, string[] args, Func<string, string?>? environment = null, string? baseDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        configuration.AddInMemoryCollection(LogLevelDefaults);
        NodeConfiguration.AddHoconFiles(configuration, args, environment, baseDirectory);
        configuration
            .AddEnvironmentVariables()
            .AddInMemoryCollection(EnvironmentSettings(environment))
            .AddCommandLine(Settings(args))
            .AddInMemoryCollection(args.Contains(DemoSwitch) ? [new(NodeServices.Section + ":Demo", "true")] : [])
            .AddInMemoryCollection(args.Contains(ClusterSwitch) ? [new(ActorTrading.Cluster.ClusterSettings.Section + ":Enabled", "true")] : []);
    }

    private const string DemoSwitch = "--demo";
    private const string ClusterSwitch = "--cluster";

    // The switches without a value, taken out before the command line is read as key-value pairs: there "--cluster --urls X"
    // would set the key "cluster" to "--urls" and lose the address.
    private static string[] Settings(string[] args) => [.. args.Where(arg => arg is not (DemoSwitch or ClusterSwitch))];

    // ASP.NET's own lines (about 8 per request at Information) only from Warning up: the node logs what it does itself, a
    // line per accepted signal and per fan-out. Any source above outranks these (Logging:LogLevel:Microsoft.AspNetCore).
    private static readonly Dictionary<string, string?> LogLevelDefaults = new(StringComparer.Ordinal)
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",

        // The host logs a failed start (a port in use) with its whole stack trace before it throws it to Program, which
        // prints it as one line (or, for a bug, with the trace). The node runs no hosted services the host would report on.
        ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "Critical",
    };

    // The one place the documented ACTORTRADING_* variables become keys: they are read like any other source, so the key's
    // default, binding and check apply to them too.
    internal static readonly (string Variable, string Key)[] EnvironmentVariables =
    [
        ("ACTORTRADING_DATA_DIR", "DataDirectory"), ("ACTORTRADING_POSTGRES", "Postgres"),
        ("ACTORTRADING_ADMIN_TOKEN", "AdminToken"), ("ACTORTRADING_SECRET_KEY", "SecretKey"),
        ("ACTORTRADING_BINANCE_URL", "Exchanges:BinanceBaseUrl"), ("ACTORTRADING_BYBIT_URL", "Exchanges:BybitBaseUrl"),
    ];

    private static Dictionary<string, string?> EnvironmentSettings(Func<string, string?> environment)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (variable, key) in EnvironmentVariables)
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                settings[NodeServices.Section + ":" + key] = value;
            }
        }

        return settings;
    }
}
