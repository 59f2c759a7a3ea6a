using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ActorTrading.ExchangeSimulator;

/// <summary>
/// The simulator as a running server: <c>await using var sim = await SimulatorHost.StartAsync();</c> in a test
/// (loopback, a free port), or <see cref="Program"/> as its own process (<c>--urls</c>). <see cref="State"/>
/// is the same state <c>/_sim</c> exposes over HTTP.
/// </summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, SimulatorState state, Uri baseUrl)
    {
        _app = app;
        State = state;
        BaseUrl = baseUrl;
    }

    /// <summary>The simulator's state: accounts, prices, faults, the order log.</summary>
    public SimulatorState State { get; }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234</c>; give it to both clients as their base URL.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Starts a simulator on 127.0.0.1 with a free port (or on <paramref name="url"/>), without console logging.</summary>
    public static Task<SimulatorHost> StartAsync(SimulatorLimits? limits = null, string url = "http://127.0.0.1:0") =>
        StartAsync(["--urls", url], limits, quiet: true);

    /// <summary>Starts a simulator with command-line arguments (<c>--urls</c> and any ASP.NET Core setting).</summary>
    public static async Task<SimulatorHost> StartAsync(string[] args, SimulatorLimits? limits, bool quiet)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (quiet)
        {
            builder.Logging.ClearProviders();
        }

        var state = new SimulatorState(limits);
        var app = builder.Build();
        var limiter = new SimRateLimits(state);
        app.Use((context, next) => Faults(state, context, next));
        AdminApi.Map(app, state);
        BinanceApi.Map(app, state, limiter);
        BybitApi.Map(app, state, limiter);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SimulatorHost(app, state, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>Runs until the process is asked to stop.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }

    private static async Task Faults(SimulatorState state, HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.StartsWith("/_sim", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        state.CountRequest(context.Request.Method, path);
        var binance = path.StartsWith("/fapi", StringComparison.Ordinal);
        var (faults, draw, delay) = state.Roll(context.Request.Method, path);
        if (faults.Banned)
        {
            if (binance)
            {
                var until = state.NowMs + 120_000;
                context.Response.StatusCode = 418;
                await context.Response.WriteAsJsonAsync(new { code = -1003, msg = $"Way too many requests; IP banned until {until}. Please use the websocket for live updates to avoid bans." });
            }
            else
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("access too frequent");
            }

            return;
        }

        if (delay)
        {
            await Task.Delay(faults.LatencyMs, context.RequestAborted);
        }

        var bound = faults.TooManyRequestsRate;
        if (draw < bound)
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            if (binance)
            {
                await context.Response.WriteAsJsonAsync(new { code = -1003, msg = "Too many requests; current limit is 2400 requests per minute." });
            }
            else
            {
                await context.Response.WriteAsync("Too Many Requests");
            }

            return;
        }

        if (draw < (bound += faults.ServerErrorRate))
        {
            if (binance)
            {
                context.Response.StatusCode = 503;
                await context.Response.WriteAsJsonAsync(new { code = -1001, msg = "Service Unavailable." });
            }
            else
            {
                context.Response.StatusCode = 502;
                await context.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
            }

            return;
        }

        if (draw < (bound += faults.TimeoutRate))
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as intended.
            }

            context.Abort();
            return;
        }

        if (draw < bound + faults.LostResponseRate)
        {
            // Execute, then lose the answer: the handler writes into a discarded buffer and the connection is reset.
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
            await next(context);
            context.Abort();
            return;
        }

        await next(context);
    }
}
