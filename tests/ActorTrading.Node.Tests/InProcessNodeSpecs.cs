using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorTrading.Exchanges.Paper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Tests;

/// <summary>
/// Specs of a node in this process, over HTTP on loopback (Kestrel, the SQLite file in a new data directory, the paper
/// exchange on <see cref="Prices"/>): a new node per spec, and a client with the admin token.
/// </summary>
public abstract class InProcessNodeSpecs : IAsyncLifetime
{
    protected const string AdminToken = "test-admin-token-0123456789";

    protected string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "actortrading-node-" + Guid.NewGuid().ToString("N"));

    protected WebApplication App { get; private set; } = null!;

    /// <summary>A client with the admin token.</summary>
    protected HttpClient Http { get; private set; } = null!;

    protected NodeRuntime Runtime => App.Services.GetRequiredService<NodeRuntime>();

    /// <summary>The paper exchange's prices (fixed at the reference prices unless a spec class says otherwise).</summary>
    protected virtual IPriceSource Prices { get; } = new FixedPrices();

    /// <summary>Settings beyond the data directory and the admin token (<c>--ActorTrading:Key value</c> pairs).</summary>
    protected virtual string[] Settings => [];

    /// <summary>Where the Binance and Bybit clients go (the simulator); null: the environment's.</summary>
    protected virtual ActorTrading.Exchanges.Transport.ExchangeClientSettings? Exchanges => null;

    public virtual Task InitializeAsync() => StartNodeAsync();

    public virtual async Task DisposeAsync()
    {
        await StopNodeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    protected async Task StartNodeAsync()
    {
        App = await NodeHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--ActorTrading:DataDirectory", DataDirectory, "--ActorTrading:AdminToken", AdminToken, .. Settings], Prices, Exchanges);
        await App.StartAsync();
        Http = Client(AdminToken);
    }

    /// <summary>Stops the node and lets go of its files (a spec may work on them before <see cref="StartNodeAsync"/>).</summary>
    protected async Task StopNodeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>A new client with <paramref name="token"/>.</summary>
    protected HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The answer's JSON (default when empty), after checking its status.</summary>
    protected static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The signal as read back, or null while it is not yet projected (the webhook answers before the read
    /// table has it).</summary>
    protected async Task<JsonElement?> ProjectedSignalAsync(string signalId)
    {
        using var response = await Http.GetAsync($"/api/v1/signals/{signalId}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : await Json(response, HttpStatusCode.OK);
    }

    /// <summary>A bot on <paramref name="path"/> with one paper subscription, and a buy signal it accepted (202).</summary>
    protected async Task<JsonElement> SignalToOnePaperSubscriptionAsync(string path)
    {
        var bot = await PostAsync("/api/v1/bots", new { name = "One paper subscriber", master_webhook_path = path, default_leverage = 2, default_margin_usd = 100 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", api_key = path + "-key", secret_key = "paper-secret" });
        await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BINANCE:BTCUSDT.P","action":"buy"}""";
        return await Json(await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait=5000", new StringContent(alert, System.Text.Encoding.UTF8, "text/plain")),
            HttpStatusCode.Accepted);
    }

    /// <summary>POSTs <paramref name="body"/> as JSON with the admin token.</summary>
    protected async Task<JsonElement> PostAsync(string path, object body, HttpStatusCode expected = HttpStatusCode.Created) =>
        await Json(await Http.PostAsJsonAsync(path, body), expected);
}
