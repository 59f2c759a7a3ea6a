using System.CommandLine;
using System.Text.Json;

namespace ActorTrading.Cli;

/// <summary>
/// <c>actortrading [host:port] &lt;palette&gt; &lt;command&gt; [switches]</c>, Petabridge.Cmd's grammar: one command and exit,
/// or, with no command, a prompt that reads commands until <c>exit</c>. It talks to the node's admin API with the admin
/// token (<c>--token</c> or <c>ACTORTRADING_ADMIN_TOKEN</c>). Exit code 0 on success, 1 on any failure (one line says why).
/// </summary>
public static partial class CliApp
{
    /// <summary>Where the CLI goes without an address: a node run with README's command.</summary>
    public const string DefaultAddress = "127.0.0.1:5000";

    /// <summary>Runs <paramref name="args"/>; reads commands from <paramref name="input"/> when they name none.
    /// <paramref name="cancellationToken"/> ends a command that runs until stopped (<c>log tail</c>), as Ctrl+C does.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader input, Func<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        var (address, rest) = args.Length > 0 && TryAddress(args[0], out var given) ? (given, args[1..]) : (ParseAddress(DefaultAddress), args);
        // No palette named (only switches, such as --token and its value): the prompt.
        var palettes = Commands.Root(address, environment, input).Subcommands.Select(c => c.Name).Concat(["--help", "-h", "-?", "--version"]).ToHashSet();
        if (!rest.Any(palettes.Contains))
        {
            return await PromptAsync(address, rest, output, error, input, environment, cancellationToken);
        }

        return await RunOnceAsync(address, rest, output, error, input, environment, cancellationToken);
    }

    private static async Task<int> RunOnceAsync(Uri address, string[] args, TextWriter output, TextWriter error, TextReader input, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var root = Commands.Root(address, environment, input);
        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken) switch
        {
            0 => 0,
            _ => 1,
        };
    }

    // The interactive mode: pbm's prompt, a line per command, the switches given at start applying to each.
    private static async Task<int> PromptAsync(Uri address, string[] switches, TextWriter output, TextWriter error, TextReader input, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var history = new List<string>();
        var failures = 0;
        output.WriteLine($"actortrading: connected to {address} (help lists the commands, history the ones given, exit leaves)");
        while (true)
        {
            output.Write($"[{address.Authority}] actortrading> ");
            string? line;
            try
            {
                line = await input.ReadLineAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                line = null; // stopped as at the end of the input
            }

            if (line is null || line.Trim() is "exit" or "quit")
            {
                return failures == 0 ? 0 : 1;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line == "history")
            {
                for (var i = 0; i < history.Count; i++)
                {
                    output.WriteLine($"{i + 1,4}  {history[i]}");
                }

                continue;
            }

            history.Add(line);
            var args = line == "help" ? ["--help"] : System.CommandLine.Parsing.CommandLineParser.SplitCommandLine(line).ToArray();
            failures += await RunOnceAsync(address, [.. args, .. switches], output, error, input, environment, cancellationToken) == 0 ? 0 : 1;
        }
    }

    private static bool TryAddress(string argument, out Uri address)
    {
        address = null!;
        if (argument.StartsWith('-') || !argument.Contains(':'))
        {
            return false;
        }

        try
        {
            address = ParseAddress(argument);
            return true;
        }
        catch (CliException)
        {
            return false;
        }
    }

    private static Uri ParseAddress(string argument)
    {
        var text = argument.Contains("://", StringComparison.Ordinal) ? argument : "http://" + argument;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Port > 0
            ? uri
            : throw new CliException($"'{argument}' is not a node address (host:port or http(s)://host:port)");
    }

    /// <summary>The palettes and their commands.</summary>
    private static partial class Commands
    {
        private static readonly Option<string?> Token = new("--token", "-t") { Description = "the admin token (default: ACTORTRADING_ADMIN_TOKEN)", Recursive = true };
        private static readonly Option<bool> Json = new("--json") { Description = "print the node's JSON instead of tables", Recursive = true };

        public static RootCommand Root(Uri address, Func<string, string?> environment, TextReader input)
        {
            var root = new RootCommand($"actortrading [host:port] <palette> <command> [switches]: inspect and steer an ActorTrading node (default {DefaultAddress})");
            root.Options.Add(Token);
            root.Options.Add(Json);

            var id = new Argument<string>("id") { Description = "the id" };
            var bot = new Command("bot", "the bots");
            bot.Subcommands.Add(Action(new Command("list", "every bot"), address, environment, async (node, output, _, token) =>
                output.Table(await node.GetAsync("/api/v1/bots", token),
                    ("bot_id", "id"), ("name", "name"), ("is_active", "active"), ("subscribers", "subscribers"), ("default_leverage", "leverage"),
                    ("default_margin_usd", "margin usd"), ("master_webhook_path", "webhook path"))));
            bot.Subcommands.Add(Action(WithId(new Command("show", "one bot"), id), address, environment, async (node, output, parse, token) =>
                output.Fields(await node.GetAsync($"/api/v1/bots/{Escape(parse.GetValue(id))}", token))));
            bot.Subcommands.Add(SetActive(new Command("pause", "stop taking signals (they are answered 409)"), id, "bot", "/api/v1/bots", false, address, environment));
            bot.Subcommands.Add(SetActive(new Command("resume", "take signals again"), id, "bot", "/api/v1/bots", true, address, environment));
            bot.Subcommands.Add(Action(WithId(new Command("rotate-secret", "a new webhook secret (shown once; the old one stops working)"), id), address, environment,
                async (node, output, parse, token) =>
                {
                    var rotated = await node.PatchAsync($"/api/v1/bots/{Escape(parse.GetValue(id))}", new { rotate_secret = true }, token);
                    output.Line($"bot {parse.GetValue(id)}: new master secret (shown once): {rotated.GetProperty("master_secret").GetString()}", rotated);
                }));
            root.Subcommands.Add(bot);

            var subscription = new Command("subscription", "the bot subscriptions");
            subscription.Subcommands.Add(Action(new Command("list", "every subscription"), address, environment, async (node, output, _, token) =>
                output.Table(await node.GetAsync("/api/v1/bot-subscriptions", token),
                    ("subscription_id", "id"), ("bot_id", "bot"), ("account_id", "account"), ("exchange", "exchange"), ("status", "status"),
                    ("signals_received", "signals"), ("orders_executed", "executed"), ("orders_failed", "failed"), ("orders_skipped", "skipped"))));
            subscription.Subcommands.Add(Action(WithId(new Command("show", "one subscription"), id), address, environment, async (node, output, parse, token) =>
                output.Fields(await node.GetAsync($"/api/v1/bot-subscriptions/{Escape(parse.GetValue(id))}", token))));
            subscription.Subcommands.Add(SetActive(new Command("pause", "skip signals until resumed"), id, "subscription", "/api/v1/bot-subscriptions", false, address, environment));
            subscription.Subcommands.Add(SetActive(new Command("resume", "trade signals again"), id, "subscription", "/api/v1/bot-subscriptions", true, address, environment));
            root.Subcommands.Add(subscription);

            var signal = new Command("signal", "the signals bots accepted");
            signal.Subcommands.Add(Action(WithId(new Command("show", "a signal and every subscriber's outcome"), id), address, environment, async (node, output, parse, token) =>
            {
                var shown = await node.GetAsync($"/api/v1/signals/{Escape(parse.GetValue(id))}", token);
                if (output.Json)
                {
                    output.Fields(shown);
                    return;
                }

                output.Fields(shown, "executions", "broadcast_stats");
                if (shown.TryGetProperty("broadcast_stats", out var stats))
                {
                    output.Fields(stats);
                }

                output.Table(shown.GetProperty("executions"),
                    ("subscription_id", "subscription"), ("status", "status"), ("quantity", "quantity"), ("price", "price"), ("exchange_order_id", "order"),
                    ("elapsed_ms", "ms"), ("reason", "reason"));
            }));
            root.Subcommands.Add(signal);

            var nodeCommand = new Command("node", "this node");
            nodeCommand.Subcommands.Add(Action(new Command("status", "readiness, read-model lag and dead letters"), address, environment, async (node, output, _, token) =>
                output.Fields(await node.GetAsync("/api/v1/bots/health", token))));
            root.Subcommands.Add(nodeCommand);
            root.Subcommands.Add(ActorPalette(address, environment));
            root.Subcommands.Add(LogPalette(address, environment));
            root.Subcommands.Add(ClusterPalette(address, environment, input));
            root.Subcommands.Add(ShardingPalette(address, environment));
            return root;
        }

        // pbm's actor palette: the system's figures, and the tree under a path with each actor's mailbox depth.
        private static Command ActorPalette(Uri address, Func<string, string?> environment)
        {
            var actor = new Command("actor", "the actor system and its actors");
            actor.Subcommands.Add(Action(new Command("system", "name, address, uptime, actors, dead letters, dispatcher threads"), address, environment,
                async (node, output, _, token) =>
                {
                    var system = await node.GetAsync("/api/v1/admin/actors/system", token);
                    output.Fields(system, "dispatchers");
                    if (!output.Json)
                    {
                        output.Table(system.GetProperty("dispatchers"), ("name", "dispatcher"), ("kind", "kind"), ("threads", "threads"));
                    }
                }));

            var depth = new Option<int>("--depth", "-d") { Description = "levels below the start shown (0 to 32)", DefaultValueFactory = _ => 4 };
            var start = new Option<string>("--start", "-s") { Description = "the actor to start from (default /, with /user and /system; /system/sharding or akka://actortrading/system/sharding)", DefaultValueFactory = _ => "/" };
            var hierarchy = new Command("hierarchy", "the tree of actors under a path, with each one's mailbox depth");
            hierarchy.Options.Add(depth);
            hierarchy.Options.Add(start);
            actor.Subcommands.Add(Action(hierarchy, address, environment, async (node, output, parse, token) =>
            {
                var tree = await node.GetAsync(
                    $"/api/v1/admin/actors?path={Escape(parse.GetValue(start))}&depth={parse.GetValue(depth).ToString(System.Globalization.CultureInfo.InvariantCulture)}", token);
                if (output.Json)
                {
                    output.Fields(tree);
                    return;
                }

                var shown = 0;
                Tree(output.Writer, tree, 0, ref shown);
                output.Writer.WriteLine($"Count: {shown} actors");
            }));
            return actor;
        }

        // Indented as pbm prints a hierarchy: the start actor's full path, then each child's name two spaces further in.
        private static void Tree(TextWriter writer, JsonElement actor, int level, ref int shown)
        {
            shown++;
            var children = actor.GetProperty("child_count").GetInt32();
            var walked = actor.GetProperty("children");
            var hidden = children - walked.GetArrayLength();
            var name = level == 0 ? actor.GetProperty("path").GetString() : actor.GetProperty("name").GetString();
            writer.WriteLine($"{new string(' ', 2 * level)}{name} | mailbox {actor.GetProperty("mailbox_depth").GetInt32()} | children {children}{(hidden > 0 ? " (not shown)" : "")}");
            foreach (var child in walked.EnumerateArray())
            {
                Tree(writer, child, level + 1, ref shown);
            }
        }

        // pbm's log palette: the lines the node kept, and the new ones as they come.
        private static Command LogPalette(Uri address, Func<string, string?> environment)
        {
            var log = new Command("log", "the node's log");
            var count = new Option<int>("--count", "-c") { Description = "how many of the latest lines (1 to 100000)", DefaultValueFactory = _ => 100 };
            var level = new Option<string?>("--level", "-l") { Description = "only lines at or above: trace, debug, information, warning, error, critical" };
            var peek = new Command("peek", "the latest lines the node kept (ActorTrading:RecentLogLines of them)");
            peek.Options.Add(count);
            peek.Options.Add(level);
            log.Subcommands.Add(Action(peek, address, environment, async (node, output, parse, token) =>
            {
                var lines = await node.GetAsync(
                    $"/api/v1/admin/logs?count={parse.GetValue(count).ToString(System.Globalization.CultureInfo.InvariantCulture)}{LevelQuery(parse.GetValue(level), "&")}", token);
                if (output.Json)
                {
                    output.Fields(lines);
                    return;
                }

                foreach (var line in lines.EnumerateArray())
                {
                    LogLine(output.Writer, line);
                }
            }));

            var tail = new Command("tail", "the new lines as the node logs them, until Ctrl+C");
            tail.Options.Add(level);
            log.Subcommands.Add(Action(tail, address, environment, async (node, output, parse, token) =>
            {
                var error = parse.InvocationConfiguration.Error;
                var stopped = await node.StreamAsync($"/api/v1/admin/logs/tail{LevelQuery(parse.GetValue(level), "?")}", (type, data) =>
                {
                    if (type == "open")
                    {
                        // On standard error, so that standard output holds only lines (one JSON object each with --json).
                        error.WriteLine($"actortrading: tailing the log of {node.Address} (Ctrl+C stops)");
                    }
                    else if (type == "log")
                    {
                        using var line = JsonDocument.Parse(data);
                        if (output.Json)
                        {
                            output.Writer.WriteLine(line.RootElement.GetRawText());
                        }
                        else
                        {
                            LogLine(output.Writer, line.RootElement);
                        }

                        output.Writer.Flush();
                    }
                }, token);
                if (!stopped)
                {
                    throw new CliException($"the node at {node.Address} ended the log stream (it stopped?)");
                }
            }));
            return log;
        }

        private static string LevelQuery(string? level, string separator) => level is null ? "" : $"{separator}level={Escape(level)}";

        // Akka's line: [LEVEL][timestamp][source] message, and an exception's first line under it.
        private static void LogLine(TextWriter writer, JsonElement line)
        {
            var level = line.GetProperty("level").GetString() switch
            {
                "information" => "INFO",
                var other => other?.ToUpperInvariant(),
            };
            var timestamp = line.GetProperty("timestamp").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteLine($"[{level}][{timestamp}][{line.GetProperty("category").GetString()}] {line.GetProperty("message").GetString()}");
            if (line.TryGetProperty("exception", out var exception) && exception.GetString() is { Length: > 0 } text)
            {
                writer.WriteLine("    " + text.Split('\n')[0].TrimEnd());
            }
        }

        // pause and resume of bots and subscriptions alike: a merge patch of is_active.
        private static Command SetActive(Command command, Argument<string> id, string kind, string collection, bool active, Uri address, Func<string, string?> environment) =>
            Action(WithId(command, id), address, environment, async (node, output, parse, token) =>
            {
                var changed = await node.PatchAsync($"{collection}/{Escape(parse.GetValue(id))}", new { is_active = active }, token);
                output.Line($"{kind} {parse.GetValue(id)}: {(active ? "active" : "paused")}", changed);
            });

        private static Command WithId(Command command, Argument<string> id)
        {
            command.Arguments.Add(id);
            return command;
        }

        private static Command Action(Command command, Uri address, Func<string, string?> environment, Func<NodeClient, Output, ParseResult, CancellationToken, Task> run)
        {
            command.SetAction(async (parse, cancellationToken) =>
            {
                var output = new Output(parse.InvocationConfiguration.Output, parse.GetValue(Json));
                try
                {
                    using var node = new NodeClient(address, parse.GetValue(Token) ?? environment("ACTORTRADING_ADMIN_TOKEN"));
                    await run(node, output, parse, cancellationToken);
                    return 0;
                }
                catch (CliException failure)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"actortrading: {failure.Message}");
                    return 1;
                }
                catch (Exception unexpected) when (unexpected is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"actortrading: the node's answer was not what this CLI expects ({unexpected.Message}); are both the same version?");
                    return 1;
                }
            });
            return command;
        }

        private static string Escape(string? id) => Uri.EscapeDataString(id ?? "");
    }
}
