using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace ActorTrading.Node.Tests;

/// <summary>
/// No container engine runs here: docker/ is checked by reading it. The Dockerfile's stages, user, health check, ports and
/// entry points, and compose.yml's services, settings and published ports are held against the code they start.
/// </summary>
public sealed partial class DockerFileSpecs
{
    private static readonly string Root = NodeServicesSpecs.RepositoryRoot();
    private static readonly Dockerfile Docker = Dockerfile.Parse(File.ReadAllText(Path.Combine(Root, "docker", "Dockerfile")));
    private static readonly string[] DockerIgnore =
        [.. File.ReadAllLines(Path.Combine(Root, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [Fact]
    public void The_node_image_runs_as_an_unprivileged_user_with_a_health_check_its_shell_can_run()
    {
        var node = Docker.Stage("node");
        node.Last("USER").ShouldNotBeNull("a USER line").ShouldNotBeOneOf("root", "0");

        var healthCheck = node.Last("HEALTHCHECK").ShouldNotBeNull("a HEALTHCHECK");
        healthCheck.ShouldNotContain("/dev/tcp", Case.Sensitive, "bash's /dev/tcp: the image's /bin/sh is dash");
        var command = ExecForm(healthCheck[healthCheck.IndexOf("CMD [", StringComparison.Ordinal)..]["CMD ".Length..]);
        command.Take(3).ShouldBe(["dotnet", "actortrading-node.dll", "--health-check"], "the node's own health command (no curl in the image)");
        new Uri(command[3]).Port.ShouldBe(Docker.ExposedPort("node"));
        new Uri(command[3]).AbsolutePath.ShouldBe("/health/ready");
    }

    [Theory]
    [InlineData("node", "src/ActorTrading.Node/ActorTrading.Node.csproj")]
    [InlineData("simulator", "src/ActorTrading.ExchangeSimulator/ActorTrading.ExchangeSimulator.csproj")]
    public void Each_image_starts_the_assembly_its_project_builds_on_the_port_it_exposes(string stage, string project)
    {
        File.Exists(Path.Combine(Root, project)).ShouldBeTrue(project);
        Docker.Stage("build").Text.ShouldContain($"dotnet publish {project}");

        var entryPoint = ExecForm(Docker.Stage(stage).Last("ENTRYPOINT").ShouldNotBeNull("an ENTRYPOINT"));
        entryPoint[0].ShouldBe("dotnet");
        entryPoint[1].ShouldBe(AssemblyName(project) + ".dll");
        new Uri(entryPoint[entryPoint.IndexOf("--urls") + 1]).Port.ShouldBe(Docker.ExposedPort(stage));
    }

    [Fact]
    public void The_settings_the_dockerfile_documents_are_the_ones_the_node_reads()
    {
        var documented = EnvironmentName().Matches(Docker.Text).Select(m => m.Value).Distinct().ToList();
        documented.ShouldNotBeEmpty();
        documented.ShouldBeSubsetOf(NodeHost.EnvironmentVariables.Select(v => v.Variable));
    }

    [Theory]
    [InlineData("compose.yml")]
    [InlineData("compose.cluster.yaml")]
    public void Compose_starts_every_service_from_a_real_stage_gated_on_health_and_publishes_nothing_on_all_interfaces(string file)
    {
        var compose = Compose(file);
        var services = Map(compose["services"]);
        services.Keys.ShouldContain("postgres");
        string.Join(" ", List(Map(Map(services["postgres"])["healthcheck"])["test"])).ShouldContain("pg_isready");

        foreach (var (name, value) in services)
        {
            var service = Map(value);
            service.ContainsKey("restart").ShouldBeTrue($"{name} has a restart policy");
            if (service.TryGetValue("build", out var buildValue))
            {
                var build = Map(buildValue);
                var context = Path.GetFullPath(Path.Combine(Root, "docker", (string)build["context"]));
                context.ShouldBe(Root, $"{name} builds from the repository root, as the Dockerfile expects");
                File.Exists(Path.Combine(context, (string)build["dockerfile"])).ShouldBeTrue($"{name}'s dockerfile");
                var stage = (string)build["target"];
                Docker.Stage(stage); // throws when there is no such stage

                foreach (var port in service.TryGetValue("ports", out var ports) ? List(ports) : [])
                {
                    var parts = ((string)port).Split(':');
                    parts.Length.ShouldBe(3, $"{name} publishes {port} with a host address");
                    parts[0].ShouldBe("127.0.0.1", $"{name} publishes {port} on loopback only");
                    int.Parse(parts[2]).ShouldBe(Docker.ExposedPort(stage), $"{name}'s container port");
                }
            }
        }

        var nodes = services.Where(s => Map(s.Value).TryGetValue("build", out var b) && (string)Map(b)["target"] == "node").ToList();
        nodes.ShouldNotBeEmpty();
        foreach (var (name, value) in nodes)
        {
            var node = Map(value);
            var dependsOn = Map(node["depends_on"]);
            ((string)Map(dependsOn["postgres"])["condition"]).ShouldBe("service_healthy", $"{name} waits for postgres to be healthy");

            var environment = Map(node["environment"]);
            environment.Keys.ShouldBeSubsetOf(NodeHost.EnvironmentVariables.Select(v => v.Variable).Concat(ClusterVariables), $"{name}'s settings are ones the node reads");
            environment.Keys.ShouldContain("ACTORTRADING_POSTGRES");
            foreach (var variable in new[] { "ACTORTRADING_BINANCE_URL", "ACTORTRADING_BYBIT_URL" }.Where(environment.ContainsKey))
            {
                var exchange = new Uri((string)environment[variable]);
                services.Keys.ShouldContain(exchange.Host, $"{variable} names a service");
                exchange.Port.ShouldBe(Docker.ExposedPort((string)Map(Map(services[exchange.Host])["build"])["target"]), variable);
            }
        }
    }

    [Fact]
    public void The_cluster_file_runs_three_nodes_with_cluster_on_one_database_each_on_its_own_port_and_address()
    {
        var services = Map(Compose("compose.cluster.yaml")["services"]);
        var nodes = services.Where(s => Map(s.Value).TryGetValue("build", out var b) && (string)Map(b)["target"] == "node")
            .ToDictionary(s => s.Key, s => Map(s.Value));

        nodes.Keys.Order().ShouldBe(["node1", "node2", "node3"]);
        var port = Docker.ExposedPort("node");
        foreach (var (name, node) in nodes)
        {
            List(node["command"]).ShouldContain("--cluster", $"{name} starts with --cluster");
            var environment = Map(node["environment"]);
            // Peers reach a node by its service name on the compose network, on the port its image exposes.
            ((string)environment["ActorTrading__Cluster__Address"]).ShouldBe($"http://{name}:{port}");
            ((string)environment["ActorTrading__Cluster__Roles"]).Split(',').ShouldBeSubsetOf(["ingress", "trading"]);
        }

        nodes.Values.Select(node => (string)Map(node["environment"])["ACTORTRADING_POSTGRES"]).Distinct().ShouldHaveSingleItem("one database for all");
        nodes.Values.Select(node => (string)Map(node["environment"])["ACTORTRADING_SECRET_KEY"]).Distinct().ShouldHaveSingleItem("one secret key for all");
        ((string)Map(nodes["node1"]["environment"])["ACTORTRADING_POSTGRES"]).ShouldStartWith("Host=postgres;", customMessage: "the compose service");
        nodes.Values.Count(node => ((string)Map(node["environment"])["ActorTrading__Cluster__Roles"]).Contains("ingress", StringComparison.Ordinal))
            .ShouldBe(1, "one ingress+trading node, two trading");

        var published = nodes.Values.SelectMany(node => List(node["ports"]).Select(p => ((string)p).Split(':')[1])).ToList();
        published.Count.ShouldBe(3);
        published.Distinct().Count().ShouldBe(3, "each node its own host port");

        // Health: the node image checks itself (HEALTHCHECK, checked above), and the later nodes wait for node1's, whose
        // first start generates the cluster secret into the database.
        Docker.Stage("node").Last("HEALTHCHECK").ShouldNotBeNull();
        foreach (var later in new[] { "node2", "node3" })
        {
            ((string)Map(Map(nodes[later]["depends_on"])["node1"])["condition"]).ShouldBe("service_healthy", $"{later} waits for node1");
        }
    }

    [Theory]
    [InlineData("data/secret.key")]
    [InlineData("data/actortrading.db")]
    [InlineData("src/ActorTrading.Node/data/secret.key")]
    [InlineData("src/ActorTrading.Node/data/admin-token.sha256")]
    [InlineData("src/ActorTrading.Node/bin/Release/net10.0/actortrading-node.dll")]
    [InlineData(".git/config")]
    public void What_a_node_wrote_and_build_output_never_reach_the_image(string path)
    {
        DockerIgnore.Any(pattern => Ignores(pattern, path)).ShouldBeTrue($"{path} is left out of the build context");
    }

    [Fact]
    public void The_build_context_keeps_what_the_build_needs()
    {
        foreach (var path in new[] { "Directory.Build.props", "Directory.Packages.props", "src/ActorTrading.Node/Program.cs", "src/ActorTrading.Node/ActorTrading.Node.csproj" })
        {
            DockerIgnore.ShouldNotContain(pattern => Ignores(pattern, path), path);
        }
    }

    // .dockerignore's patterns as far as ours use them: '**/' for any directories, '*' within a name, a trailing '/' for a
    // directory and everything in it.
    private static bool Ignores(string pattern, string path)
    {
        var directory = pattern.EndsWith('/');
        var regex = Regex.Escape(pattern.TrimEnd('/')).Replace(@"\*\*/", "(.*/)?").Replace(@"\*", "[^/]*");
        return Regex.IsMatch(path, "^" + regex + (directory ? "/.*" : "") + "$");
    }

    private static string AssemblyName(string project)
    {
        var name = Regex.Match(File.ReadAllText(Path.Combine(Root, project)), "<AssemblyName>([^<]+)</AssemblyName>");
        return name.Success ? name.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
    }

    private static List<string> ExecForm(string instruction)
    {
        var json = instruction[instruction.IndexOf('[')..];
        return JsonSerializer.Deserialize<List<string>>(json) ?? throw new ShouldAssertException($"not an exec form: {instruction}");
    }

    // The cluster's settings a compose file sets by environment (ActorTrading:Cluster:*, README's cluster rows).
    private static readonly string[] ClusterVariables =
        ["ActorTrading__Cluster__Address", "ActorTrading__Cluster__Roles", "ActorTrading__Cluster__Secret", "ActorTrading__Cluster__RemotingPort"];

    private static Dictionary<object, object> Compose(string file) =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Root, "docker", file)));

    private static Dictionary<string, object> Map(object value) =>
        ((Dictionary<object, object>)value).ToDictionary(e => (string)e.Key, e => e.Value);

    private static List<object> List(object value) => (List<object>)value;

    [GeneratedRegex(@"\bACTORTRADING_[A-Z_]+\b")]
    private static partial Regex EnvironmentName();

    /// <summary>A Dockerfile's stages and their instructions (continuation lines joined, comments dropped).</summary>
    private sealed record Dockerfile(string Text, IReadOnlyList<DockerStage> Stages)
    {
        public static Dockerfile Parse(string text)
        {
            var stages = new List<DockerStage>();
            var instruction = "";
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd();
                if (instruction.Length == 0 && (line.TrimStart().StartsWith('#') || line.Length == 0))
                {
                    continue;
                }

                instruction += line.TrimEnd('\\').Trim() + " ";
                if (line.EndsWith('\\'))
                {
                    continue;
                }

                var complete = instruction.Trim();
                instruction = "";
                if (complete.StartsWith("FROM ", StringComparison.Ordinal))
                {
                    var name = complete.Contains(" AS ", StringComparison.Ordinal) ? complete[(complete.IndexOf(" AS ", StringComparison.Ordinal) + 4)..].Trim() : $"#{stages.Count}";
                    stages.Add(new DockerStage(name, []));
                }

                stages.ShouldNotBeEmpty("the first instruction is FROM");
                stages[^1].Instructions.Add(complete);
            }

            return new Dockerfile(text, stages);
        }

        public DockerStage Stage(string name) => Stages.SingleOrDefault(s => s.Name == name) ?? throw new ShouldAssertException($"the Dockerfile has no stage '{name}'");

        public int ExposedPort(string stage) => int.Parse(Stage(stage).Last("EXPOSE").ShouldNotBeNull($"{stage} exposes a port")["EXPOSE ".Length..].Trim());
    }

    private sealed record DockerStage(string Name, List<string> Instructions)
    {
        public string Text => string.Join("\n", Instructions);

        public string? Last(string keyword) => Instructions.LastOrDefault(i => i.StartsWith(keyword + " ", StringComparison.Ordinal));
    }
}
