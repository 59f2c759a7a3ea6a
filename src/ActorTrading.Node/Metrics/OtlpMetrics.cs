using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace ActorTrading.Node.Metrics;

/// <summary>The OpenTelemetry SDK's meter provider with its OTLP exporter, over the node's <c>ActorTrading.*</c> meters.</summary>
public sealed class OtlpMetrics(MeterProvider provider) : IDisposable
{
    /// <summary>Starts exporting to <paramref name="endpoint"/> (OTLP/HTTP, protobuf) every <paramref name="interval"/>.</summary>
    public static OtlpMetrics Start(Uri endpoint, TimeSpan interval) => new(Sdk.CreateMeterProviderBuilder()
        .AddMeter(PrometheusMetrics.MeterPrefix + "*")
        .AddOtlpExporter((exporter, reader) =>
        {
            exporter.Endpoint = endpoint;
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
        })
        .Build());

    /// <inheritdoc/>
    public void Dispose() => provider.Dispose();
}
