using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// The baseline of <c>ack-latency</c>: a bare Kestrel app in the same process, built like the node
/// (<see cref="WebApplication.CreateSlimBuilder(string[])"/>, the same JSON options and log levels), with one
/// endpoint that reads the alert body as text and answers 202 with a small JSON body, as the webhook does, and
/// nothing else: no parsing of the alert, no actor, no journal.
/// </summary>
public sealed class BareKestrel : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareKestrel(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BareKestrel> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.AspNetCore", "Warning"]);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver());
        });
        var app = builder.Build();
        app.MapPost("/webhook/{path}", async (string path, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync();
            return Results.Json(new Dictionary<string, object?>
            {
                ["success"] = true,
                ["bot_name"] = path,
                ["signal_id"] = Guid.CreateVersion7().ToString("N"),
                ["subscribers"] = text.Length,
                ["duplicate"] = false,
                ["timestamp"] = DateTimeOffset.UtcNow,
            }, statusCode: StatusCodes.Status202Accepted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareKestrel(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
