using System.Text.Json.Serialization;

namespace ActorTrading.Persistence.Benchmarks;

/// <summary>The event of the load: about 100 bytes of JSON, like a small trading event.</summary>
public sealed record PositionChanged(string Account, string Symbol, string Side, decimal Quantity, decimal Price, long Sequence)
{
    private static readonly string[] s_symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"];

    /// <summary>Event number <paramref name="sequence"/> of <paramref name="account"/>: deterministic, so a recovered state can be checked.</summary>
    public static PositionChanged For(string account, long sequence) => new(
        account,
        s_symbols[sequence % s_symbols.Length],
        sequence % 2 == 0 ? "buy" : "sell",
        0.001m * ((sequence % 97) + 1),
        64_250.5m + (sequence % 10),
        sequence);

    /// <summary>What the event does to a net position (not stored).</summary>
    [JsonIgnore]
    public decimal SignedQuantity => Side == "buy" ? Quantity : -Quantity;
}

/// <summary>The state of a recovered entity, as a snapshot.</summary>
public sealed record PositionSnapshot(long Events, decimal NetQuantity, long LastSequence);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PositionChanged))]
[JsonSerializable(typeof(PositionSnapshot))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>The stored names of the benchmark's types.</summary>
public static class BenchSerializer
{
    public const string EventManifest = "bench.position-changed.v1";

    public static EventSerializer Create() => EventSerializer.Create()
        .Add("bench.position-changed", 1, BenchJsonContext.Default.PositionChanged)
        .Add("bench.position-snapshot", 1, BenchJsonContext.Default.PositionSnapshot)
        .Build();
}
