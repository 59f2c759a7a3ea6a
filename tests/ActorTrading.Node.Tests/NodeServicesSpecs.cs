using System.Globalization;
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
    public void The_documented_store_and_token_variables_reach_the_node_options()
    {
        var environment = new Dictionary<string, string>
        {
            ["ACTORTRADING_DATA_DIR"] = "/var/lib/actortrading", ["ACTORTRADING_POSTGRES"] = "Host=127.0.0.1",
            ["ACTORTRADING_ADMIN_TOKEN"] = "admin-token-0123456789", ["ACTORTRADING_SECRET_KEY"] = "a2V5",
        };
        var configuration = new ConfigurationManager();
        NodeHost.AddSettings(configuration, [], environment.GetValueOrDefault);

        using var provider = new ServiceCollection().AddActorTrading(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<NodeOptions>();
        (options.DataDirectory, options.Postgres, options.AdminToken, options.SecretKey)
            .ShouldBe(("/var/lib/actortrading", "Host=127.0.0.1", "admin-token-0123456789", "a2V5"));
    }

    [Fact]
    public void A_setting_has_one_default_the_libraries_repeat_none()
    {
        // Where the node hands a setting on to a library, the node's default is the library's own (reference.conf repeats
        // the node's: HoconSettingsSpecs checks that it says the same).
        new NodeOptions().DataDirectory.ShouldBe(new DurableStoreOptions().DataDirectory);
        new NodeOptions().SignalReceiptTimeout.ShouldBe(new TradingSettings().SignalReceiptTimeout);
    }

    [Fact]
    public void README_lists_every_setting_with_the_default_the_code_has()
    {
        // README's settings tables: a row per key, its default as a value the binder reads ("unset" and the like for none).
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("### Settings", StringComparison.Ordinal);
        var section = readme[start..readme.IndexOf("### HTTP API", start, StringComparison.Ordinal)];
        var rows = section.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'), cells => cells[3].Replace("`", "", StringComparison.Ordinal));

        var settings = Defaults(new NodeOptions(), "").Concat(Defaults(new ExchangeClientSettings(), "Exchanges:"))
            .Concat(Defaults(new ActorTrading.Cluster.ClusterSettings(), "Cluster:")).ToList();
        rows.Keys.Order().ShouldBe(settings.Select(setting => setting.Key).Order(), "one row per key, no row of a key that is gone");
        foreach (var (key, value) in settings.Where(setting => setting.Value is not null))
        {
            // As the binder reads it: "00:00:00.200" is 200 ms.
            object? listed = value switch
            {
                TimeSpan => TimeSpan.TryParse(rows[key], CultureInfo.InvariantCulture, out var time) ? time : rows[key],
                bool => bool.TryParse(rows[key], out var flag) ? flag : rows[key],
                int => int.TryParse(rows[key], CultureInfo.InvariantCulture, out var number) ? number : rows[key],
                double => double.TryParse(rows[key], CultureInfo.InvariantCulture, out var number) ? number : rows[key],
                _ => rows[key],
            };
            listed.ShouldBe(value, $"README's default of {key}");
        }
    }

    private static IEnumerable<(string Key, object? Value)> Defaults(object settings, string prefix) =>
        settings.GetType().GetProperties().Where(property => property.CanWrite).Select(property => (prefix + property.Name, property.GetValue(settings)));

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value))).Build();

    internal static string RepositoryRoot()
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
