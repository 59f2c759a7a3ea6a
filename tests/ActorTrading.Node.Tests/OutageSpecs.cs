using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>
/// A node on PostgreSQL while PostgreSQL is down (issue 16): a webhook whose signal is not confirmed durable answers 503
/// with Retry-After, never a bare 500 nor a 202; reads answer 503 problem details; and a sender that retries with the same
/// alert id once the database is back gets one signal per alert, traded once, whether or not the first try was stored.
/// </summary>
public sealed class OutageSpecs : InProcessNodeSpecs
{
    private DedicatedPostgres? _server;

    protected override string[] Settings => ["--ActorTrading:Postgres", _server?.ConnectionString ?? ""];

    public override async Task InitializeAsync()
    {
        _server = await DedicatedPostgres.CreateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_postgres_is_down_webhooks_and_reads_answer_503_with_retry_after_and_retries_by_alert_id_trade_each_alert_once()
    {
        var server = _server ?? throw new InvalidOperationException("no server");
        var bot = await PostAsync("/api/v1/bots", new { name = "Outage", master_webhook_path = "outage", default_leverage = 5, default_margin_usd = 50 });
        var botId = bot.GetProperty("id").GetString();
        foreach (var key in new[] { "o1", "o2" })
        {
            var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = key, secret_key = "s" });
            await PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = account.GetProperty("id").GetString() });
        }

        var secret = bot.GetProperty("master_secret").GetString();
        StringContent Alert(int i) => new($$"""{"secret":"{{secret}}","ticker":"BINANCE:BTCUSDT.P","action":"{{(i % 2 == 0 ? "buy" : "close")}}","alert_id":"outage-{{i}}"}""",
            Encoding.UTF8, "text/plain");

        await server.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            var refused = await Http.PostAsync("/api/v1/bots/webhook/master/outage", Alert(i));
            await Unavailable(refused);
        }

        await Unavailable(await Http.GetAsync("/api/v1/bot-subscriptions"));

        await server.StartAsync();
        var signals = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            // A sender that honours Retry-After: the same alert again until it is acknowledged.
            HttpResponseMessage? answer = null;
            await Eventually.HoldsAsync(async () => (answer = await Http.PostAsync("/api/v1/bots/webhook/master/outage", Alert(i))).StatusCode == HttpStatusCode.Accepted,
                $"alert {i} to be acknowledged once the database is back", TimeSpan.FromSeconds(90), () => $"last answer {answer?.StatusCode}");
            signals.Add((await Json(answer ?? throw new InvalidOperationException("no answer"), HttpStatusCode.Accepted)).GetProperty("signal_id").GetString() ?? "");
        }

        signals.Count.ShouldBe(3);
        foreach (var signal in signals)
        {
            await Eventually.HoldsAsync(async () =>
                {
                    var projected = await ProjectedSignalAsync(signal);
                    return projected?.GetProperty("broadcast_stats").GetProperty("pending").GetInt32() == 0;
                }, $"signal {signal} to have both outcomes", TimeSpan.FromSeconds(60));
        }

        var recorded = await Json(await Http.GetAsync("/api/v1/bot-subscriptions"), HttpStatusCode.OK);
        recorded.EnumerateArray().Select(s => s.GetProperty("signals_received").GetInt32()).ShouldAllBe(n => n == 3, "each alert reached each subscription once");
    }

    private static async Task Unavailable(HttpResponseMessage response)
    {
        var problem = await Json(response, HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.ShouldNotBeNull();
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        problem.GetProperty("status").GetInt32().ShouldBe(503);
    }
}
