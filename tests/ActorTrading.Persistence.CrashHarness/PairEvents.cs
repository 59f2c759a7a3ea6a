using System.Text.Json.Serialization;

namespace ActorTrading.Persistence.CrashHarness;

/// <summary>The first event of pair <paramref name="Pair"/>; stored only together with its <see cref="SecondHalf"/>.</summary>
/// <param name="Pair">1, 2, 3… per entity: pair n is stored at sequence numbers 2n−1 and 2n.</param>
public sealed record FirstHalf(long Pair);

/// <summary>The second event of pair <paramref name="Pair"/>.</summary>
/// <param name="Pair">The same number as its <see cref="FirstHalf"/>.</param>
public sealed record SecondHalf(long Pair);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FirstHalf))]
[JsonSerializable(typeof(SecondHalf))]
internal sealed partial class PairJsonContext : JsonSerializerContext;

/// <summary>The stored names of the harness's events.</summary>
public static class PairSerializer
{
    /// <summary>A serializer that knows <see cref="FirstHalf"/> and <see cref="SecondHalf"/>.</summary>
    public static EventSerializer Create() => EventSerializer.Create()
        .Add("crash-harness.first-half", 1, PairJsonContext.Default.FirstHalf)
        .Add("crash-harness.second-half", 1, PairJsonContext.Default.SecondHalf)
        .Build();
}
