using System.Collections.Concurrent;
using System.Text;
using ActorTrading.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Tests;

/// <summary>With <c>ActorTrading:OtlpMetricsEndpoint</c> set, the OpenTelemetry SDK exports the node's meters over OTLP/HTTP
/// to it: here a collector stand-in on loopback that keeps what it is sent.</summary>
public sealed class OtlpExportSpecs : InProcessNodeSpecs
{
    private readonly ConcurrentQueue<(string ContentType, byte[] Body)> _exports = new();
    private WebApplication? _collector;

    protected override string[] Settings =>
        ["--ActorTrading:OtlpMetricsEndpoint", new Uri(CollectorAddress(), "/v1/metrics").ToString(), "--ActorTrading:OtlpExportInterval", "00:00:01"];

    public override async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        _collector = builder.Build();
        _collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            _exports.Enqueue((request.ContentType ?? "", body.ToArray()));
            return Results.Ok();
        });
        await _collector.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_node_exports_its_meters_to_the_configured_otlp_endpoint()
    {
        await SignalToOnePaperSubscriptionAsync("exported-1");

        // Protobuf keeps strings as UTF-8: the instrument's name is in the bytes of an export that carries it.
        await Eventually.HoldsAsync(() => _exports.Any(e => Encoding.UTF8.GetString(e.Body).Contains("actortrading.signals.accepted")),
            "an export with the accepted signals", TimeSpan.FromSeconds(20), () => $"{_exports.Count} exports");
        _exports.ShouldAllBe(e => e.ContentType == "application/x-protobuf");
    }

    private Uri CollectorAddress() =>
        new((_collector ?? throw new InvalidOperationException("the collector starts first")).Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First() ?? throw new InvalidOperationException("no address"));
}
