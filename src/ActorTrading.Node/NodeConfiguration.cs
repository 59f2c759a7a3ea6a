using System.Reflection;
using System.Text;
using ActorTrading.Exchanges.Transport;
using ActorTrading.Hocon;
using ActorTrading.Hocon.Configuration;

namespace ActorTrading.Node;

/// <summary>
/// The node's HOCON files (hocon/ beside the node: <c>reference.conf</c>, then the <c>--config PATH</c> file) and the one
/// table that maps their paths onto the configuration keys the node binds: <c>actortrading.&lt;lower-kebab&gt;</c> is
/// <c>ActorTrading:&lt;PascalCase&gt;</c>, <c>actortrading.exchanges.*</c> is <c>ActorTrading:Exchanges:*</c>, and where
/// the concept is Akka's the path is Akka's name (<see cref="AkkaNames"/>). Durations and sizes become what the binder reads.
/// </summary>
public static class NodeConfiguration
{
    /// <summary>The command-line switch that names the node's HOCON file.</summary>
    public const string ConfigSwitch = "--config";

    /// <summary>Keys (under <c>ActorTrading:</c>) whose HOCON path is Akka's name for the concept, not <c>actortrading.*</c>.</summary>
    public static IReadOnlyDictionary<string, string> AkkaNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Akka.Persistence.PostgreSql's key; ours also carries the snapshots and the read tables.
        ["Postgres"] = "akka.persistence.journal.postgresql.connection-string",
    };

    /// <summary>Every HOCON path the node reads and the key it maps onto: one per bindable property of
    /// <see cref="NodeOptions"/>, <see cref="ExchangeClientSettings"/> and <see cref="Cluster.ClusterSettings"/>.</summary>
    public static IReadOnlyDictionary<string, HoconKey> Keys { get; } = BuildKeys();

    /// <summary>The directory of the node's HOCON files: <c>hocon/</c> beside the node's assembly (the build copies the
    /// repository's hocon/ there), so a start from any working directory reads the same files.</summary>
    public static string HoconDirectory(string? baseDirectory = null) => Path.Combine(baseDirectory ?? AppContext.BaseDirectory, "hocon");

    /// <summary>
    /// The file <c>--config PATH</c> (or <c>--config=PATH</c>) names, or <c>null</c>. A relative path is resolved against
    /// the node's directory, then its hocon/ directory (so <c>--config hocon/cluster.conf</c> and <c>--config cluster</c>
    /// both work from anywhere), never against the working directory; a file that is not there is refused naming it.
    /// </summary>
    /// <exception cref="InvalidSettingException">No path follows the switch, or no file is there.</exception>
    public static string? ChosenFile(string[] args, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? chosen = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == ConfigSwitch)
            {
                chosen = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? args[i + 1]
                    : throw new InvalidSettingException($"{ConfigSwitch} needs the path of a HOCON file", new ArgumentException(ConfigSwitch));
            }
            else if (args[i].StartsWith(ConfigSwitch + "=", StringComparison.Ordinal))
            {
                chosen = args[i][(ConfigSwitch.Length + 1)..];
            }
        }

        if (chosen is null)
        {
            return null;
        }

        var root = baseDirectory ?? AppContext.BaseDirectory;
        var candidates = Path.IsPathRooted(chosen)
            ? [chosen]
            : new[] { Path.Combine(root, chosen), Path.Combine(HoconDirectory(root), chosen) }
                .SelectMany(path => Path.HasExtension(path) ? [path] : new[] { path, path + ".conf" });
        var paths = candidates.Select(Path.GetFullPath).ToList();
        return paths.FirstOrDefault(File.Exists)
               ?? throw new InvalidSettingException($"{ConfigSwitch} {chosen}: no such file (looked for {string.Join(", ", paths)})", new FileNotFoundException(chosen));
    }

    /// <summary>The HOCON source of <paramref name="path"/> with the node's key table, its substitutions reading
    /// <paramref name="environment"/>.</summary>
    public static HoconConfigurationSource Source(string path, Func<string, string?> environment) =>
        new() { Path = path, Keys = Keys, Environment = environment };

    /// <summary>Adds reference.conf and the chosen file (if any) to <paramref name="configuration"/>, in that order.</summary>
    /// <exception cref="InvalidSettingException">A file is missing or not valid HOCON, or a value or key is refused; the
    /// message names the file, line, column and key.</exception>
    public static void AddHoconFiles(IConfigurationBuilder configuration, string[] args, Func<string, string?> environment, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var chosen = ChosenFile(args, baseDirectory);
        foreach (var path in new[] { Path.Combine(HoconDirectory(baseDirectory), "reference.conf"), chosen }.OfType<string>())
        {
            var source = Source(path, environment);
            try
            {
                // Loaded here, so that a bad file is refused where it is added whatever the builder (a manager loads at
                // Add, a builder only at Build); the second load is of a few lines.
                new HoconConfigurationProvider(source).Load();
            }
            catch (HoconException invalid)
            {
                throw new InvalidSettingException(invalid.Message, invalid);
            }

            configuration.AddHoconFile(source);
        }
    }

    /// <summary><c>AskTimeout</c> → <c>ask-timeout</c>, <c>BybitIpRequestsPer5Seconds</c> → <c>bybit-ip-requests-per-5-seconds</c>.</summary>
    public static string KebabCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var boundary = i > 0 && ((char.IsUpper(c) && !char.IsUpper(name[i - 1])) || (char.IsDigit(c) && !char.IsDigit(name[i - 1])));
            if (boundary)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static Dictionary<string, HoconKey> BuildKeys()
    {
        var keys = new Dictionary<string, HoconKey>(StringComparer.Ordinal);
        foreach (var (type, section) in new[] { (typeof(NodeOptions), ""), (typeof(ExchangeClientSettings), "Exchanges:"), (typeof(Cluster.ClusterSettings), "Cluster:") })
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite))
            {
                var key = section + property.Name;
                var path = AkkaNames.TryGetValue(key, out var akka)
                    ? akka
                    : "actortrading." + string.Join('.', key.Split(':').Select(KebabCase));
                keys.Add(path, new HoconKey(NodeServices.Section + ":" + key, KindOf(property)));
            }
        }

        return keys;
    }

    private static HoconValueKind KindOf(PropertyInfo property) => property switch
    {
        _ when property.PropertyType == typeof(TimeSpan) || property.PropertyType == typeof(TimeSpan?) => HoconValueKind.Duration,
        _ when property.PropertyType == typeof(int) && property.Name.EndsWith("Ms", StringComparison.Ordinal) => HoconValueKind.Milliseconds,
        _ when property.PropertyType == typeof(int) && property.Name.EndsWith("Bytes", StringComparison.Ordinal) => HoconValueKind.Bytes,
        _ => HoconValueKind.Text,
    };
}
