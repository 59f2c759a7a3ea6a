using System.Text.Json.Serialization;

namespace ActorTrading.Persistence.Tests;

public sealed record OrderPlaced(string OrderId, decimal Quantity, string Side);

/// <summary>The first shape of OrderPlaced: no side, quantity as a string.</summary>
public sealed record OrderPlacedV1(string OrderId, string Qty);

public sealed record Counter(int Value);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(OrderPlacedV1))]
[JsonSerializable(typeof(Counter))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

internal static class TestSerializer
{
    public static EventSerializer Create() => EventSerializer.Create()
        .Add("test.text", 1, TestJsonContext.Default.String)
        .Add("test.order-placed", 2, TestJsonContext.Default.OrderPlaced)
        .AddLegacy("test.order-placed", 1, TestJsonContext.Default.OrderPlacedV1,
            old => new OrderPlaced(old.OrderId, decimal.Parse(old.Qty, System.Globalization.CultureInfo.InvariantCulture), "unknown"))
        .Add("test.counter", 1, TestJsonContext.Default.Counter)
        .Build();
}
