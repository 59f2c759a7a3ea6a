using System.Text.Json;

namespace ActorTrading.Exchanges.Tests;

/// <summary>The verified exchange examples (../shared/fixtures/exchange-examples.json, copied beside the tests).</summary>
internal static class Fixtures
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "exchange-examples.json"))).RootElement);

    public static JsonElement Binance => Root.Value.GetProperty("binance_usdm");

    public static JsonElement Bybit => Root.Value.GetProperty("bybit_v5");

    public static JsonElement Signature(JsonElement venue, string id) =>
        venue.GetProperty("signature_examples").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);

    public static string Body(JsonElement venue, string response) =>
        venue.GetProperty("responses").GetProperty(response).GetProperty("body").GetRawText();
}
