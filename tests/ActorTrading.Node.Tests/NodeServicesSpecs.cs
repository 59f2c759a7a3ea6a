using ActorTrading.Exchanges.Transport;
using ActorTrading.Persistence.Hosting;
using ActorTrading.Trading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Tests;

/// <summary>The node's composition: every setting bound from one section, with one default and one check that names its key.</summary>
public sealed class NodeServicesSpecs
{
    [Fact]
    public void AddActorTrading_binds_the_settings_from_the_ActorTrading_section_once()
    {
        var services = new ServiceCollection().AddActorTrading(Configuration(("ActorTrading:MaxWebhookWaitMs", "5000"), ("ActorTrading:PaperPrices", "fixed")));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<NodeOptions>();
        (options.MaxWebhookWaitMs, options.PaperPrices, options.MaxWebhookBodyBytes).ShouldBe((5000, NodeOptions.FixedPaperPrices, new NodeOptions().MaxWebhookBodyBytes));
        provider.GetRequiredService<NodeOptions>().ShouldBeSameAs(options);
        provider.GetRequiredService<ExchangeClientSettings>().ShouldNotBeNull();
    }

    [Theory]
    [InlineData("MaxWebhookBodyBytes", "10")]
    [InlineData("PaperPrices", "moon")]
    [InlineData("SignalReceiptTimeout", "00:00:30")]
    [InlineData("AskTimeout", "00:00:00.500")]
    public void AddActorTrading_refuses_an_invalid_setting_naming_its_key(string key, string value) =>
        Should.Throw<ArgumentException>(() => new ServiceCollection().AddActorTrading(Configuration(("ActorTrading:" + key, value))))
            .Message.ShouldContain("ActorTrading:" + key);

    [Fact]
    public void A_setting_has_one_default_the_config_file_and_the_libraries_repeat_none()
    {
        // The shipped file only shows how to override: a value in it would be a second default, which drifts from the first.
        var file = Path.Combine(RepositoryRoot(), "config", "actortrading.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(file, optional: false).Build();
        configuration.GetSection(NodeServices.Section).GetChildren().ShouldBeEmpty();

        // Where the node hands a setting on to a library, the node's default is the library's own.
        new NodeOptions().DataDirectory.ShouldBe(new DurableStoreOptions().DataDirectory);
        new NodeOptions().SignalReceiptTimeout.ShouldBe(new TradingSettings().SignalReceiptTimeout);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value))).Build();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorTrading.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("no ActorTrading.sln above " + AppContext.BaseDirectory);
    }
}
