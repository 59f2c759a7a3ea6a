using System.Net;
using System.Text;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>Guessing webhook secrets, webhook paths and API tokens is limited per client (issue 16: ~900 tries/s before).</summary>
public sealed class FailedAttemptSpecs : InProcessNodeSpecs
{
    private const int Limit = 3;

    protected override string[] Settings => ["--ActorTrading:FailedAttemptLimit", $"{Limit}", "--ActorTrading:FailedAttemptWindow", "00:00:02"];

    [Fact]
    public async Task Wrong_webhook_secrets_beyond_the_limit_are_answered_429_even_for_the_right_secret_until_the_window_ends()
    {
        var secret = await BotAsync("guarded");
        var otherSecret = await BotAsync("other");

        for (var i = 0; i < Limit; i++)
        {
            (await AlertAsync("guarded", "not-the-secret")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var refused = await AlertAsync("guarded", secret);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(2));
        (await refused.Content.ReadAsStringAsync()).ShouldContain("wrong webhook secrets");

        // Another bot's path is its own window: its sender is not held up by guesses at this one.
        (await AlertAsync("other", otherSecret)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        HttpResponseMessage? answer = null;
        await Eventually.HoldsAsync(async () => (answer = await AlertAsync("guarded", secret)).StatusCode == HttpStatusCode.Accepted,
            "the right secret to be served once the window ended", TimeSpan.FromSeconds(15), () => $"last answer {answer?.StatusCode}");
    }

    [Fact]
    public async Task Probing_for_webhook_paths_beyond_the_limit_is_answered_429()
    {
        var secret = await BotAsync("known");
        for (var i = 0; i < Limit; i++)
        {
            (await AlertAsync($"guess-{i}", "x")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        (await AlertAsync("known", secret)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Unknown_api_tokens_beyond_the_limit_are_answered_429_before_the_token_is_looked_at()
    {
        using var guesser = Client("guessed-token-0123456789");
        for (var i = 0; i < Limit; i++)
        {
            (await guesser.GetAsync("/api/v1/bots")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var refused = await Http.GetAsync("/api/v1/bots");
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public void The_attempt_that_spends_the_window_is_logged_once_as_a_warning_with_the_count()
    {
        var log = new Recorded();
        using var attempts = new Api.FailedAttempts(new NodeOptions { FailedAttemptLimit = Limit }, log);
        var client = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        client.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        for (var i = 0; i < Limit + 2; i++)
        {
            attempts.Record(client, Api.FailedAttempts.Kind.WebhookSecret, "guarded");
        }

        log.Lines.ShouldBe([$"Warning: {Limit} wrong webhook secrets (webhook path guarded) from 203.0.113.7 within 00:01:00: its further attempts are answered 429 until the window ends"]);
    }

    private sealed class Recorded : Microsoft.Extensions.Logging.ILogger<Api.FailedAttempts>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }

    private async Task<string> BotAsync(string path) =>
        (await PostAsync("/api/v1/bots", new { name = path, master_webhook_path = path, default_leverage = 10, default_margin_usd = 100 }))
        .GetProperty("master_secret").GetString() ?? "";

    private Task<HttpResponseMessage> AlertAsync(string path, string secret) =>
        Http.PostAsync($"/api/v1/bots/webhook/master/{path}", new StringContent($$"""{"secret":"{{secret}}","ticker":"BTCUSDT","action":"buy"}""", Encoding.UTF8, "text/plain"));
}
