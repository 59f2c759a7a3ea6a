using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ActorTrading.Node.Tests;

/// <summary>Bad input found under load and by hand (issue 16): a 4xx problem details naming the field, never a 5xx, and
/// nothing changed.</summary>
public sealed class BadInputSpecs : InProcessNodeSpecs
{
    [Fact]
    public async Task A_lone_surrogate_in_a_webhook_field_is_a_400_naming_the_field()
    {
        await PostAsync("/api/v1/bots", new { name = "S", master_webhook_path = "surrogate", default_leverage = 5, default_margin_usd = 50 });
        foreach (var (body, field) in new[]
                 {
                     ("""{"secret":"\ud800","ticker":"BTCUSDT","action":"buy"}""", "secret"),
                     ("""{"secret":"s","ticker":"BTCUSDT","action":"buy","alert_id":"\udc00"}""", "alert_id"),
                 })
        {
            var problem = await Json(await Http.PostAsync("/api/v1/bots/webhook/master/surrogate", new StringContent(body, Encoding.UTF8, "text/plain")), HttpStatusCode.BadRequest);
            problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        }
    }

    [Fact]
    public async Task A_body_that_is_empty_not_json_or_not_utf8_is_a_400_naming_the_body()
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "P", master_webhook_path = "patchy", default_leverage = 5, default_margin_usd = 50 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = "patchy-key", secret_key = "s" });
        var subscription = await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        var uri = $"/api/v1/bot-subscriptions/{subscription.GetProperty("id").GetString()}";

        foreach (var body in new[] { Array.Empty<byte>(), "{\"is_active\":"u8.ToArray(), [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'] })
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var problem = await Json(await Http.PatchAsync(uri, content), HttpStatusCode.BadRequest);
            problem.GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue(problem.ToString());
        }

        (await Json(await Http.GetAsync(uri), HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("active");
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_a_wrong_media_type_an_unknown_route_and_a_wrong_method_get_problem_details()
    {
        var wrongType = await Json(await Http.PostAsync("/api/v1/bots", new StringContent("""{"name":"W","default_leverage":"abc","default_margin_usd":50}""", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
        wrongType.GetProperty("errors").TryGetProperty("default_leverage", out _).ShouldBeTrue(wrongType.ToString());

        await Problem(await Http.PostAsync("/api/v1/bots", new StringContent("<bot/>", Encoding.UTF8, "application/xml")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await Http.GetAsync("/api/v1/no-such-thing"), HttpStatusCode.NotFound);
        await Problem(await Http.DeleteAsync("/api/v1/bots"), HttpStatusCode.MethodNotAllowed);
        // Expect: 100-continue, as large uploads do: the node refuses by Content-Length before the body is sent (else
        // it may close the connection while the client is still writing, a broken pipe instead of the answer).
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/v1/bots")
        {
            Content = new ByteArrayContent(new byte[2 * 1024 * 1024]) { Headers = { ContentType = new("application/json") } },
            Headers = { ExpectContinue = true },
        };
        await Problem(await Http.SendAsync(tooLarge), HttpStatusCode.RequestEntityTooLarge);
        (await Json(await Http.GetAsync("/api/v1/bots"), HttpStatusCode.OK)).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("Paper,Binance")]
    [InlineData("0")]
    [InlineData("kraken")]
    public async Task An_exchange_that_is_not_a_venues_name_is_refused_naming_the_field_and_creates_nothing(string exchange)
    {
        var problem = await PostAsync("/api/v1/exchange-accounts", new { exchange, api_key = "k", secret_key = "s" }, HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("exchange", out _).ShouldBeTrue(problem.ToString());
        (await Json(await Http.GetAsync("/api/v1/exchange-accounts"), HttpStatusCode.OK)).GetArrayLength().ShouldBe(0);
    }

    private static async Task Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32().ShouldBe((int)expected);
    }
}
