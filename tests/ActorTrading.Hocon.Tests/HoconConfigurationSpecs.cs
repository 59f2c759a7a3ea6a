using ActorTrading.Hocon.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorTrading.Hocon.Tests;

/// <summary>The configuration provider: HOCON flattened into keys, converted for the binder, in the builder's order.</summary>
public sealed class HoconConfigurationSpecs
{
    [Fact]
    public void Paths_become_sections_with_each_kebab_key_in_PascalCase_and_arrays_indexed()
    {
        using var files = new TempFiles();
        var file = files.Write("a.conf", "app { ask-timeout = 10s, hosts = [a, b], nothing = null, inner.max-size = 16k }");

        var configuration = new ConfigurationBuilder().AddHoconFile(file, optional: false).Build();

        configuration["App:AskTimeout"].ShouldBe("10s");
        (configuration["App:Hosts:0"], configuration["App:Hosts:1"]).ShouldBe(("a", "b"));
        configuration["App:Inner:MaxSize"].ShouldBe("16k");
        configuration.GetSection("App").GetChildren().Select(child => child.Key).ShouldNotContain("Nothing");
    }

    [Fact]
    public void A_key_table_converts_durations_and_sizes_to_the_binders_forms()
    {
        using var files = new TempFiles();
        var file = files.Write("a.conf", "app { timeout = 2 minutes, wait-ms = 1.5s, body = 1 MiB, plain = \"00:00:03\", name = x }");
        var keys = new Dictionary<string, HoconKey>
        {
            ["app.timeout"] = new("App:Timeout", HoconValueKind.Duration), ["app.wait-ms"] = new("App:WaitMs", HoconValueKind.Milliseconds),
            ["app.body"] = new("App:Body", HoconValueKind.Bytes), ["app.plain"] = new("App:Plain", HoconValueKind.Duration), ["app.name"] = new("Other:Name"),
        };

        var configuration = new ConfigurationBuilder().AddHoconFile(new HoconConfigurationSource { Path = file, Keys = keys }).Build();

        configuration["App:Timeout"].ShouldBe("00:02:00");
        configuration["App:WaitMs"].ShouldBe("1500");
        configuration["App:Body"].ShouldBe("1048576");
        configuration["App:Plain"].ShouldBe("00:00:03");
        configuration["Other:Name"].ShouldBe("x");
    }

    [Theory]
    [InlineData("app.timeout = soon", "a.conf:1:15: app.timeout must be a duration such as 10s, 500 ms or 2 minutes, not 'soon'")]
    [InlineData("app.body = 1.5 bytes", "a.conf:1:12: app.body must be a size such as 512, 16k or 1 MiB, not '1.5 bytes'")]
    [InlineData("app {\n  timeuot = 1s\n}", "a.conf:2:13: app.timeuot is not a setting (every setting is listed, with its default, in reference.conf)")]
    public void With_a_key_table_a_bad_value_or_an_unknown_key_is_refused_naming_file_line_and_path(string text, string expected)
    {
        using var files = new TempFiles();
        var file = files.Write("a.conf", text);
        var keys = new Dictionary<string, HoconKey> { ["app.timeout"] = new("App:Timeout", HoconValueKind.Duration), ["app.body"] = new("App:Body", HoconValueKind.Bytes) };

        var thrown = Should.Throw<HoconException>(() => new ConfigurationBuilder().AddHoconFile(new HoconConfigurationSource { Path = file, Keys = keys }).Build());

        thrown.Message.ShouldBe(Path.Combine(files.Root, expected));
    }

    [Fact]
    public void A_missing_file_is_an_error_unless_optional()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".conf");

        new ConfigurationBuilder().AddHoconFile(missing, optional: true).Build().AsEnumerable().ShouldBeEmpty();
        Should.Throw<HoconException>(() => new ConfigurationBuilder().AddHoconFile(missing, optional: false).Build()).Message
            .ShouldBe($"{missing}:0:0: the configuration file does not exist");
    }

    [Fact]
    public void Later_sources_outrank_the_file_and_substitutions_read_the_given_environment()
    {
        using var files = new TempFiles();
        var file = files.Write("a.conf", "app { a = file, b = file, c = ${?APP_C} }");
        var environment = new Dictionary<string, string> { ["APP_C"] = "from-env" };

        var configuration = new ConfigurationBuilder()
            .AddHoconFile(new HoconConfigurationSource { Path = file, Environment = environment.GetValueOrDefault })
            .AddInMemoryCollection([new("App:B", "later")])
            .Build();

        (configuration["App:A"], configuration["App:B"], configuration["App:C"]).ShouldBe(("file", "later", "from-env"));
    }
}
