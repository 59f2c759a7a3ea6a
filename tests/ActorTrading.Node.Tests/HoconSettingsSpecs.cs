using ActorTrading.Exchanges.Transport;
using ActorTrading.Hocon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTrading.Node.Tests;

/// <summary>hocon/: reference.conf lists every setting with the code's default, the files' precedence, --config.</summary>
public sealed class HoconSettingsSpecs
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static string ReferenceFile => Path.Combine(NodeServicesSpecs.RepositoryRoot(), "hocon", "reference.conf");

    [Fact]
    public void Every_key_in_reference_conf_binds_to_an_option_and_every_option_has_a_key()
    {
        var listed = HoconConfig.ParseFile(ReferenceFile).Leaves().Select(leaf => HoconPath.Render(leaf.Path)).ToList();

        // The table has one path per bindable property of the two settings records (no key without an option).
        var options = typeof(NodeOptions).GetProperties().Where(property => property.CanWrite).Select(property => NodeServices.Section + ":" + property.Name)
            .Concat(typeof(ExchangeClientSettings).GetProperties().Where(property => property.CanWrite).Select(property => NodeServices.ExchangesSection + ":" + property.Name))
            .Concat(typeof(ActorTrading.Cluster.ClusterSettings).GetProperties().Where(property => property.CanWrite).Select(property => ActorTrading.Cluster.ClusterSettings.Section + ":" + property.Name));
        NodeConfiguration.Keys.Values.Select(key => key.ConfigurationKey).Order().ShouldBe(options.Order());

        listed.Except(NodeConfiguration.Keys.Keys).ShouldBeEmpty("keys in reference.conf that bind to no option");
        NodeConfiguration.Keys.Keys.Except(listed).ShouldBeEmpty("options with no key in reference.conf");
        listed.Count.ShouldBe(listed.Distinct().Count());
    }

    [Fact]
    public void Every_key_in_reference_conf_says_why_in_a_comment_above_it()
    {
        var lines = File.ReadAllLines(ReferenceFile);
        foreach (var (path, value) in HoconConfig.ParseFile(ReferenceFile).Leaves())
        {
            lines[value.Origin.Line - 2].Trim().ShouldStartWith("#", customMessage: $"{HoconPath.Render(path)} has no comment above it");
        }
    }

    [Fact]
    public void The_defaults_in_reference_conf_are_the_codes_defaults()
    {
        // Bound from reference.conf alone, the options are those of the records' initializers: one default, said twice.
        var configuration = new ConfigurationManager();
        NodeConfiguration.AddHoconFiles(configuration, [], NoEnvironment.GetValueOrDefault);

        configuration.GetSection(NodeServices.Section).Get<NodeOptions>().ShouldBe(new NodeOptions());
        configuration.GetSection(NodeServices.ExchangesSection).Get<ExchangeClientSettings>().ShouldBe(new ExchangeClientSettings());
        configuration.GetSection(ActorTrading.Cluster.ClusterSettings.Section).Get<ActorTrading.Cluster.ClusterSettings>().ShouldBe(new ActorTrading.Cluster.ClusterSettings());
        configuration.AsEnumerable().Count(pair => pair.Value is not null).ShouldBeGreaterThan(10, "reference.conf was read");
    }

    [Fact]
    public void A_file_outranks_reference_conf_the_environment_the_file_and_the_command_line_both()
    {
        var directory = Directory.CreateTempSubdirectory("actortrading-hocon-").FullName;
        var file = Path.Combine(directory, "node.conf");
        File.WriteAllText(file, """
            akka.persistence.journal.postgresql.connection-string = "Host=file"
            actortrading {
              admin-token = file-token-0123456789
              ask-timeout = 3s
              max-webhook-body-bytes = 32k
              max-webhook-wait-ms = 2.5s
              exchanges.request-timeout = 500ms
              data-directory = ${?NODE_DATA}
            }
            """);
        var environment = new Dictionary<string, string>
        {
            ["ACTORTRADING_POSTGRES"] = "Host=environment", ["ACTORTRADING_ADMIN_TOKEN"] = "environment-token-0123456789", ["NODE_DATA"] = "/srv/data",
        };
        var configuration = new ConfigurationManager();

        NodeHost.AddSettings(configuration, ["--config", file, "--ActorTrading:AdminToken", "command-line-token-0123456789"], environment.GetValueOrDefault);

        using var provider = new ServiceCollection().AddActorTrading(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<NodeOptions>();
        options.ShouldBe(new NodeOptions
        {
            Postgres = "Host=environment", AdminToken = "command-line-token-0123456789", AskTimeout = TimeSpan.FromSeconds(3),
            MaxWebhookBodyBytes = 32 * 1024, MaxWebhookWaitMs = 2500, DataDirectory = "/srv/data",
        });
        provider.GetRequiredService<ExchangeClientSettings>().RequestTimeout.ShouldBe(TimeSpan.FromMilliseconds(500));
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("hocon/cluster.conf")]
    [InlineData("cluster")]
    [InlineData("demo.conf")]
    public void Config_finds_a_relative_file_beside_the_node_or_in_its_hocon_directory(string written) =>
        NodeConfiguration.ChosenFile(["--config", written]).ShouldBe(Path.Combine(NodeConfiguration.HoconDirectory(), Path.GetFileNameWithoutExtension(written) + ".conf"));

    [Fact]
    public void Config_never_reads_the_working_directory_and_names_the_file_it_did_not_find()
    {
        var directory = Directory.CreateTempSubdirectory("actortrading-cwd-").FullName;
        File.WriteAllText(Path.Combine(directory, "here.conf"), "actortrading.demo = true");
        var working = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(directory);
        try
        {
            var thrown = Should.Throw<InvalidSettingException>(() => NodeConfiguration.ChosenFile(["--config=here.conf"]));
            thrown.Message.ShouldStartWith("--config here.conf: no such file (looked for " + Path.Combine(AppContext.BaseDirectory, "here.conf"));
        }
        finally
        {
            Directory.SetCurrentDirectory(working);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("actortrading.ask-timout = 3s", "node.conf:1:27: actortrading.ask-timout is not a setting (every setting is listed, with its default, in reference.conf)")]
    [InlineData("actortrading {\n  ask-timeout = soon\n}", "node.conf:2:17: actortrading.ask-timeout must be a duration such as 10s, 500 ms or 2 minutes, not 'soon'")]
    [InlineData("actortrading.max-webhook-body-bytes = [1", "node.conf:2:1: expected ']' to close the array opened at ")]
    public void A_bad_file_is_refused_naming_file_line_column_and_key(string text, string expected)
    {
        var directory = Directory.CreateTempSubdirectory("actortrading-hocon-").FullName;
        var file = Path.Combine(directory, "node.conf");
        File.WriteAllText(file, text + "\n");

        var thrown = Should.Throw<InvalidSettingException>(() => NodeHost.AddSettings(new ConfigurationManager(), ["--config", file], NoEnvironment.GetValueOrDefault));

        thrown.Message.ShouldStartWith(Path.Combine(directory, expected));
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("cluster.conf")]
    [InlineData("demo.conf")]
    public void The_shipped_files_load_and_pass_the_checks(string name)
    {
        var configuration = new ConfigurationManager();
        NodeHost.AddSettings(configuration, ["--config", "hocon/" + name], NoEnvironment.GetValueOrDefault);

        var options = new ServiceCollection().AddActorTrading(configuration).BuildServiceProvider().GetRequiredService<NodeOptions>();

        options.ShouldNotBe(new NodeOptions(), "the file changes something");
        if (name == "demo.conf")
        {
            options.Demo.ShouldBeTrue();
        }
        else
        {
            options.Postgres.ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task A_node_given_a_bad_config_file_exits_at_start_with_one_line_naming_it()
    {
        var directory = Directory.CreateTempSubdirectory("actortrading-hocon-").FullName;
        var file = Path.Combine(directory, "node.conf");
        File.WriteAllText(file, "actortrading {\n  paper-prices = moon\n  ask-timeout = never\n}\n");
        var dataDirectory = Path.Combine(directory, "data");

        var (exitCode, output) = await NodeProcess.RunUntilExitAsync(dataDirectory, arguments: ["--config", file]);

        exitCode.ShouldBe(1, output);
        output.Trim().ShouldBe($"actortrading: {file}:3:17: actortrading.ask-timeout must be a duration such as 10s, 500 ms or 2 minutes, not 'never'");
        Directory.Exists(dataDirectory).ShouldBeFalse("the refused node wrote nothing");
        Directory.Delete(directory, recursive: true);
    }
}
