using ActorTrading.ExchangeSimulator;
using ActorTrading.Exchanges.Binance;
using ActorTrading.Exchanges.Bybit;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Tests;

/// <summary>Real clients pointed at a simulator, with short timeouts and retry delays fit for tests.</summary>
internal static class TestClients
{
    public static readonly ExchangeClientSettings Settings = new()
    {
        RequestTimeout = TimeSpan.FromMilliseconds(800),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxAttempts = 6,
    };

    public static IExchangeAccount Create(ExchangeName exchange, SimulatorHost simulator, string? apiKey = null, ExchangeClientSettings? settings = null)
    {
        apiKey ??= "key-" + Guid.NewGuid().ToString("N")[..12];
        var secret = "secret-" + apiKey;
        simulator.State.RegisterAccount(apiKey, secret);
        var credentials = new ExchangeCredentials(apiKey, secret, Testnet: true);
        var factory = new ExchangeAccountFactory((settings ?? Settings) with { BinanceBaseUrl = simulator.BaseUrl, BybitBaseUrl = simulator.BaseUrl });
        return factory.Create(exchange, credentials);
    }
}

/// <summary>A fixed clock for golden tests.</summary>
internal sealed class FixedTime(long unixMs) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}

/// <summary>Records every request and answers with canned bodies by path.</summary>
internal sealed class RecordingHandler(Func<HttpRequestMessage, (int Status, string Body)> answer) : HttpMessageHandler
{
    public List<(HttpMethod Method, string PathAndQuery, Dictionary<string, string> Headers, string Body)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request.Method, request.RequestUri!.PathAndQuery, request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value)), body));
        var (status, text) = answer(request);
        return new HttpResponseMessage((System.Net.HttpStatusCode)status) { Content = new StringContent(text) };
    }
}
