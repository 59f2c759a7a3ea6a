using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Transport;
using ActorTrading.ExchangeSimulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Tests;

/// <summary>
/// The exchange clients' settings are node settings like the others: bound from <c>ActorTrading:Exchanges</c> (and the two
/// documented variables), with one default each and one check that names the key.
/// </summary>
public sealed class ExchangeSettingsSpecs
{
    [Theory]
    [InlineData("RequestTimeout", "00:00:00", "ActorTrading:Exchanges:RequestTimeout must be positive, not 00:00:00")]
    [InlineData("RequestTimeout", "soon", "'ActorTrading:Exchanges:RequestTimeout'")]
    [InlineData("BinanceBaseUrl", "localhost:5099", "ActorTrading:Exchanges:BinanceBaseUrl must be an absolute http:// or https:// URL, not 'localhost:5099'")]
    [InlineData("BybitBaseUrl", "/v5", "ActorTrading:Exchanges:BybitBaseUrl must be an absolute http:// or https:// URL, not '/v5'")]
    [InlineData("RateLimitHeadroom", "1.5", "ActorTrading:Exchanges:RateLimitHeadroom must be in (0, 1], not 1.5")]
    [InlineData("RateLimitHeadroom", "0", "ActorTrading:Exchanges:RateLimitHeadroom must be in (0, 1], not 0")]
    [InlineData("MaxAttempts", "0", "ActorTrading:Exchanges:MaxAttempts must be at least 1")]
    [InlineData("ReceiveWindowMs", "60001", "ActorTrading:Exchanges:ReceiveWindowMs must be between 1 and 60000")]
    [InlineData("MaxRateLimitWait", "-00:00:01", "ActorTrading:Exchanges:MaxRateLimitWait must be zero or more")]
    [InlineData("BybitIpRequestsPer5Seconds", "0", "ActorTrading:Exchanges:BybitIpRequestsPer5Seconds must be at least 1")]
    public void An_invalid_exchange_setting_is_refused_naming_its_key(string key, string value, string expected) =>
        Should.Throw<InvalidSettingException>(() => new ServiceCollection().AddActorTrading(Configuration((NodeServices.ExchangesSection + ":" + key, value))))
            .Message.ShouldContain(expected);

    [Fact]
    public void Exchange_settings_are_bound_from_their_section_with_the_records_defaults_for_the_rest()
    {
        using var provider = new ServiceCollection()
            .AddActorTrading(Configuration(("ActorTrading:Exchanges:RequestTimeout", "00:00:03"), ("ActorTrading:Exchanges:RateLimitHeadroom", "1")))
            .BuildServiceProvider();

        provider.GetRequiredService<ExchangeClientSettings>()
            .ShouldBe(new ExchangeClientSettings { RequestTimeout = TimeSpan.FromSeconds(3), RateLimitHeadroom = 1 });
    }

    [Fact]
    public async Task A_node_with_an_invalid_exchange_setting_exits_at_start_with_one_line_naming_the_key()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-settings-" + Guid.NewGuid().ToString("N"));

        // The scheme forgotten: "localhost:5099" would otherwise be a URL of scheme "localhost", every call to it failing.
        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(dataDirectory, environment: new Dictionary<string, string> { ["ACTORTRADING_BINANCE_URL"] = "localhost:5099" });

        exitCode.ShouldBe(1, output);
        output.Trim().ShouldBe("actortrading: ActorTrading:Exchanges:BinanceBaseUrl must be an absolute http:// or https:// URL, not 'localhost:5099'");
        Directory.Exists(dataDirectory).ShouldBeFalse("the refused node wrote nothing");
    }

    [Fact]
    public async Task The_documented_base_url_variables_reach_the_clients()
    {
        await using var simulator = await SimulatorHost.StartAsync();
        simulator.State.RegisterAccount("env-key", "env-secret");
        var environment = new Dictionary<string, string> { ["ACTORTRADING_BINANCE_URL"] = simulator.BaseUrl.ToString(), ["ACTORTRADING_BYBIT_URL"] = simulator.BaseUrl.ToString() };
        var configuration = new ConfigurationManager();
        NodeHost.AddSettings(configuration, [], environment.GetValueOrDefault);
        using var provider = new ServiceCollection().AddActorTrading(configuration).BuildServiceProvider();

        // Production credentials: without the override the clients would go to the venues themselves, so the base URL is
        // checked before any call is made.
        var settings = provider.GetRequiredService<ExchangeClientSettings>();
        var factory = new ExchangeAccountFactory(settings);
        foreach (var exchange in new[] { ExchangeName.Binance, ExchangeName.Bybit })
        {
            settings.BaseUrlFor(exchange, testnet: false).ShouldBe(simulator.BaseUrl, exchange.ToString());
            var account = factory.Create(exchange, new ExchangeCredentials("env-key", "env-secret", Testnet: false));
            (await account.GetBalanceAsync()).WalletBalance.ShouldBe(10_000m, exchange.ToString());
        }
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value))).Build();
}
