using System.Text.Json;
using ActorTrading.Cluster;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Exchanges.Transport;
using ActorTrading.Node.Api;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorTrading.Node;

/// <summary>
/// The node's composition root: every setting bound (and validated) here, once, and every service the HTTP handlers take
/// by parameter registered here. Handlers never look services up themselves.
/// </summary>
public static class NodeServices
{
    /// <summary>The configuration section of <see cref="NodeOptions"/>.</summary>
    public const string Section = "ActorTrading";

    /// <summary>The configuration section of the exchange clients' <see cref="ExchangeClientSettings"/>.</summary>
    public const string ExchangesSection = Section + ":Exchanges";

    /// <summary>
    /// Binds <see cref="NodeOptions"/> from the <c>ActorTrading</c> section of <paramref name="configuration"/> and the
    /// exchange clients' <see cref="ExchangeClientSettings"/> from <c>ActorTrading:Exchanges</c>, and validates them (an
    /// invalid one throws <see cref="InvalidSettingException"/> naming its key); registers them (the exchange settings unless
    /// some are registered already: tests), the API's JSON and problem details, and the node's parts as
    /// <see cref="StartActorTradingAsync"/> starts them: the stores, the entity regions, the claims, the webhook paths, the
    /// API tokens, the read queries, the health.
    /// </summary>
    public static IServiceCollection AddActorTrading(this IServiceCollection services, IConfiguration configuration)
    {
        NodeOptions options;
        ExchangeClientSettings exchanges;
        ClusterSettings cluster;
        try
        {
            options = configuration.GetSection(Section).Get<NodeOptions>() ?? new NodeOptions();
            options.Validate();
            exchanges = configuration.GetSection(ExchangesSection).Get<ExchangeClientSettings>() ?? new ExchangeClientSettings();
            exchanges.Validate(ExchangesSection);
            cluster = configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
            cluster.Validate();
            if (cluster.Enabled && options.Postgres is null)
            {
                throw new ArgumentException($"{ClusterSettings.Section}:Enabled (--cluster) needs PostgreSQL (ACTORTRADING_POSTGRES or ActorTrading:Postgres): the SQLite store serves one node");
            }

            if (cluster.Enabled && options.Demo)
            {
                throw new ArgumentException($"--demo trades on the paper exchange, which needs a single node: start it without --cluster ({ClusterSettings.Section}:Enabled)");
            }

            if (cluster.Enabled)
            {
                cluster = cluster with { Address = cluster.Address ?? ClusterAddress(configuration["urls"]) };
            }
        }
        catch (Exception invalid) when (invalid is ArgumentException or InvalidOperationException)
        {
            // A value the binder cannot convert throws InvalidOperationException, its message naming the key too.
            throw new InvalidSettingException(invalid.Message, invalid);
        }

        services.AddSingleton(options);
        services.AddSingleton(cluster);
        services.TryAddSingleton(exchanges);
        services.AddSingleton<Metrics.PrometheusMetrics>();
        if (options.OtlpMetricsEndpoint is { } otlp)
        {
            services.AddSingleton(_ => Metrics.OtlpMetrics.Start(new Uri(otlp), options.OtlpExportInterval));
        }

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver());
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<UnavailableHandler>();
        services.AddExceptionHandler<BadRequestHandler>();
        // A body or parameter that cannot be read throws, so that BadRequestHandler names the field (else a bare 400).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddHealthChecks();
        services.AddSingleton<FailedAttempts>();

        // The runtime's parts, so that a handler takes what it reads or asks, not the whole runtime.
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().Queries);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().Stores);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().Entities);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().ClaimRegistry);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().WebhookPaths);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().Tokens);
        services.AddSingleton(provider => provider.GetRequiredService<NodeRuntime>().Health);
        services.AddSingleton(provider => new ClusterApi.NodeCluster(provider.GetRequiredService<NodeRuntime>().Cluster));
        return services;
    }

    /// <summary>The address peers know a node by when <c>ActorTrading:Cluster:Address</c> is unset: its first <c>--urls</c>
    /// (ASP.NET's default when none), a wildcard host (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) replaced by the
    /// machine's host name.</summary>
    public static string ClusterAddress(string? urls)
    {
        var first = (urls ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://localhost:5000";
        var wildcard = System.Text.RegularExpressions.Regex.Match(first, @"^(?<scheme>https?)://(\*|\+|0\.0\.0\.0|\[::\])(?<rest>:\d+.*)?$");
        var address = wildcard.Success ? $"{wildcard.Groups["scheme"].Value}://{System.Net.Dns.GetHostName()}{wildcard.Groups["rest"].Value}" : first;
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port > 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : throw new ArgumentException($"{ClusterSettings.Section}:Address is unset and the first --urls '{first}' is no address peers can reach: set {ClusterSettings.Section}:Address");
    }

    /// <summary>
    /// Starts the node's runtime (stores, actor system, regions, projections) with the settings <see cref="AddActorTrading"/>
    /// registered, and registers it; <paramref name="announce"/> receives start-up lines, <paramref name="prices"/> replaces
    /// the paper market (tests).
    /// </summary>
    public static async Task<NodeRuntime> StartActorTradingAsync(this IServiceCollection services, Action<string> announce, IPriceSource? prices = null)
    {
        // The runtime starts before the host is built, so that a refused store stops the process before it listens: it is
        // given what it needs from a provider of the registrations so far, the only look-up outside a constructor. Not
        // disposed: the runtime logs through its logger factory for as long as it runs.
        var registered = services.BuildServiceProvider();
        var runtime = await NodeRuntime.StartAsync(registered.GetRequiredService<NodeOptions>(), registered.GetRequiredService<ClusterSettings>(),
            registered.GetRequiredService<ExchangeClientSettings>(),
            registered.GetRequiredService<ILoggerFactory>(), announce, prices);
        services.AddSingleton(runtime);
        return runtime;
    }
}
