using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace ActorTrading.Cli;

public static partial class CliApp
{
    private static partial class Commands
    {
        private static readonly (string, string)[] MemberColumns =
        [
            ("address", "address"), ("roles", "roles"), ("status", "status"), ("reachability", "reachability"), ("app_version", "app-version"),
            ("incarnation", "incarnation"), ("up_number", "up"),
        ];

        // pbm's cluster palette, over /api/v1/cluster: the membership is PostgreSQL's, so every member answers the same.
        private static Command ClusterPalette(Uri address, Func<string, string?> environment, TextReader input)
        {
            var cluster = new Command("cluster", "the cluster's members (a node started with --cluster)");
            var all = new Option<bool>("--all") { Description = "removed members too (the history)" };
            var show = new Command("show", "every member: address, roles, status, reachability, app version");
            show.Options.Add(all);
            cluster.Subcommands.Add(Action(show, address, environment, async (node, output, parse, token) =>
                output.Table((await node.GetAsync(parse.GetValue(all) ? "/api/v1/cluster/members?all=true" : "/api/v1/cluster/members", token)).GetProperty("members"),
                    "nodes", MemberColumns)));

            cluster.Subcommands.Add(Action(new Command("status", "this node as a member: status, member lease, leader or not, shards held"), address, environment,
                async (node, output, _, token) => output.Fields(await node.GetAsync("/api/v1/cluster/status", token))));

            cluster.Subcommands.Add(Action(new Command("leader", "the oldest up trading member: it plans the rebalance rounds"), address, environment,
                async (node, output, _, token) =>
                {
                    var leader = await node.GetAsync("/api/v1/cluster/leader", token);
                    output.Line($"{leader.GetProperty("address").GetString()} (incarnation {leader.GetProperty("incarnation").GetInt64()})", leader);
                }));

            var member = new Option<string?>("--address", "-a") { Description = "the member's address (host:port or http://host:port)" };
            var leave = new Command("leave", "a member (default: this node) hands its shards off and stops, as on SIGTERM");
            leave.Options.Add(member);
            cluster.Subcommands.Add(Action(leave, address, environment, async (node, output, parse, token) =>
            {
                var left = await node.PostAsync($"/api/v1/cluster/leave{Query("address", parse.GetValue(member))}", token);
                output.Line($"{left.GetProperty("address").GetString()}: leaving (it hands its shards off, then stops)", left);
            }));

            var required = new Option<string>("--address", "-a") { Description = "the member's address (host:port or http://host:port)", Required = true };
            var down = new Command("down", "marks a member down now: its shards are taken over at once and it stops when it learns it");
            down.Options.Add(required);
            cluster.Subcommands.Add(Action(down, address, environment, async (node, output, parse, token) =>
            {
                var downed = await node.PostAsync($"/api/v1/cluster/down{Query("address", parse.GetValue(required))}", token);
                output.Line($"{downed.GetProperty("address").GetString()}: down (was {downed.GetProperty("previous_status").GetString()})", downed);
            }));

            var yes = new Option<bool>("--yes", "-y") { Description = "do not ask for confirmation" };
            var downUnreachable = new Command("down-unreachable", "downs every member whose lease expired (dead, paused or cut off), now");
            downUnreachable.Options.Add(yes);
            cluster.Subcommands.Add(Action(downUnreachable, address, environment, async (node, output, parse, token) =>
            {
                if (!parse.GetValue(yes))
                {
                    var unreachable = (await node.GetAsync("/api/v1/cluster/members", token)).GetProperty("members").EnumerateArray()
                        .Where(m => m.GetProperty("reachability").GetString() == "unreachable" && m.GetProperty("status").GetString() is not ("down" or "removed"))
                        .Select(m => m.GetProperty("address").GetString()).ToList();
                    if (unreachable.Count == 0)
                    {
                        output.Line("no member is unreachable", JsonSerializer.SerializeToElement(new { downed = Array.Empty<object>() }));
                        return;
                    }

                    output.Writer.Write($"down {unreachable.Count} unreachable member(s): {string.Join(", ", unreachable)}? [y/N] ");
                    if ((await input.ReadLineAsync(token))?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                    {
                        throw new CliException("not confirmed: nothing was downed");
                    }
                }

                var result = await node.PostAsync("/api/v1/cluster/down-unreachable", token);
                output.Table(result.GetProperty("downed"), "members downed", ("address", "address"), ("incarnation", "incarnation"), ("previous_status", "was"));
            }));

            var join = new Command("join", "nothing to do: a node joins when it starts with --cluster on the cluster's PostgreSQL");
            join.SetAction(parse =>
            {
                parse.InvocationConfiguration.Output.WriteLine(
                    "actortrading: the membership table in PostgreSQL is the rendezvous (no seed nodes): start a node with --cluster and the cluster's database, and it joins");
                return 0;
            });
            cluster.Subcommands.Add(join);

            var tail = new Command("tail", "the membership's changes as they happen (member-up, member-left, member-downed, ...), until Ctrl+C");
            cluster.Subcommands.Add(Action(tail, address, environment, async (node, output, parse, token) =>
            {
                var error = parse.InvocationConfiguration.Error;
                var stopped = await node.StreamAsync("/api/v1/cluster/tail", (type, data) =>
                {
                    using var item = JsonDocument.Parse(data);
                    if (output.Json)
                    {
                        output.Writer.WriteLine(item.RootElement.GetRawText());
                    }
                    else if (type == "open")
                    {
                        error.WriteLine($"actortrading: tailing the membership from {node.Address} (Ctrl+C stops)");
                        output.Table(item.RootElement.GetProperty("members"), "nodes", MemberColumns);
                    }
                    else if (type == "member")
                    {
                        var change = item.RootElement;
                        var changed = change.GetProperty("member");
                        var was = change.GetProperty("previous_status").GetString() is { } previous ? $", was {previous}" : "";
                        output.Writer.WriteLine($"[{Timestamp(change.GetProperty("at"))}] {change.GetProperty("event").GetString()}: {changed.GetProperty("address").GetString()} " +
                                                $"(incarnation {changed.GetProperty("incarnation").GetInt64()}{was})");
                    }

                    output.Writer.Flush();
                }, token);
                if (!stopped)
                {
                    throw new CliException($"the node at {node.Address} ended the membership stream (it stopped?)");
                }
            }));
            return cluster;
        }

        // pbm's cluster-sharding palette: leases from PostgreSQL, entities asked of each member's region.
        private static Command ShardingPalette(Uri address, Func<string, string?> environment)
        {
            var sharding = new Command("cluster-sharding", "the shards of each entity type: where they are, their entities, rebalancing");
            var type = new Option<string>("--region", "-r") { Description = "the entity type (bot, subscription, account, user, claim)", Required = true };

            sharding.Subcommands.Add(Action(new Command("regions", "each entity type: its shards and how many each member holds"), address, environment,
                async (node, output, _, token) =>
                {
                    var shards = await node.GetAsync("/api/v1/cluster/shards", token);
                    if (output.Json)
                    {
                        output.Fields(shards);
                        return;
                    }

                    var rows = JsonSerializer.SerializeToElement(shards.GetProperty("types").EnumerateArray().Select(t => new
                    {
                        type = t.GetProperty("type").GetString(),
                        shards = t.GetProperty("shards").GetArrayLength(),
                        active = t.GetProperty("shards").EnumerateArray().Count(s => s.GetProperty("state").GetString() == "active"),
                        members = string.Join(", ", t.GetProperty("shards_per_member").EnumerateObject().Select(m => $"{m.Name}={m.Value.GetInt32()}")),
                    }));
                    output.Table(rows, "regions", ("type", "region"), ("shards", "shards"), ("active", "active"), ("members", "shards per member"));
                }));

            var regionStats = new Command("region-stats", "each member's region of a type: its shards, their entities and epochs");
            regionStats.Options.Add(type);
            sharding.Subcommands.Add(Action(regionStats, address, environment, async (node, output, parse, token) =>
            {
                var stats = await node.GetAsync($"/api/v1/cluster/sharding/{Escape(parse.GetValue(type))}/regions", token);
                if (output.Json)
                {
                    output.Fields(stats);
                    return;
                }

                output.Table(stats.GetProperty("regions"), "regions", ("address", "address"), ("status", "status"), ("shards", "shards"), ("entities", "entities"),
                    ("failure", "failure"));
                var shards = JsonSerializer.SerializeToElement(stats.GetProperty("regions").EnumerateArray()
                    .Where(r => r.GetProperty("shard_stats").ValueKind == JsonValueKind.Array)
                    .SelectMany(r => r.GetProperty("shard_stats").EnumerateArray().Select(s => new
                    {
                        address = r.GetProperty("address").GetString(),
                        shard_id = s.GetProperty("shard_id").GetString(),
                        entities = s.GetProperty("entities").GetInt32(),
                        epoch = s.GetProperty("epoch").ValueKind == JsonValueKind.Number ? s.GetProperty("epoch").GetInt64() : (long?)null,
                    })));
                output.Table(shards, "shards", ("address", "address"), ("shard_id", "shard"), ("entities", "entities"), ("epoch", "epoch"));
            }));

            var shard = new Option<int>("--shard", "-s") { Description = "the shard number", Required = true };
            var shardStats = new Command("shard-stats", "one shard: owner, epoch, last change of hands, entities");
            shardStats.Options.Add(type);
            shardStats.Options.Add(shard);
            sharding.Subcommands.Add(Action(shardStats, address, environment, async (node, output, parse, token) =>
            {
                var stats = await node.GetAsync(
                    $"/api/v1/cluster/sharding/{Escape(parse.GetValue(type))}/shards/{parse.GetValue(shard).ToString(CultureInfo.InvariantCulture)}", token);
                if (output.Json)
                {
                    output.Fields(stats);
                    return;
                }

                output.Fields(stats, "entity_ids", "last_change");
                if (stats.GetProperty("last_change") is { ValueKind: JsonValueKind.Object } change)
                {
                    output.Writer.WriteLine($"last change: epoch {change.GetProperty("epoch").GetInt64()} at {Timestamp(change.GetProperty("at"))}: {change.GetProperty("reason").GetString()}");
                }

                if (stats.GetProperty("entity_ids") is { ValueKind: JsonValueKind.Array } ids)
                {
                    output.Table(JsonSerializer.SerializeToElement(ids.EnumerateArray().Select(id => new { entity_id = id.GetString() })), "entities", ("entity_id", "entity"));
                }
            }));

            var entity = new Option<string>("--entity", "-e") { Description = "the entity id", Required = true };
            var locate = new Command("locate", "where an entity is: its shard, the shard's owner and epoch, whether it runs (starts nothing)");
            locate.Options.Add(type);
            locate.Options.Add(entity);
            sharding.Subcommands.Add(Action(locate, address, environment, async (node, output, parse, token) =>
                output.Fields(await node.GetAsync($"/api/v1/cluster/sharding/{Escape(parse.GetValue(type))}/entities/{Escape(parse.GetValue(entity))}", token))));

            var optionalType = new Option<string?>("--region", "-r") { Description = "only this entity type (default: every type)" };
            var apply = new Option<bool>("--apply") { Description = "make the moves (default: a dry run that only lists them)" };
            var rebalance = new Command("rebalance", "one rebalance round's moves, from the most to the least loaded members; --apply makes them");
            rebalance.Options.Add(optionalType);
            rebalance.Options.Add(apply);
            sharding.Subcommands.Add(Action(rebalance, address, environment, async (node, output, parse, token) =>
            {
                var path = $"/api/v1/cluster/sharding/rebalance{Query("type", parse.GetValue(optionalType))}";
                var result = parse.GetValue(apply) ? await node.PostAsync(path, token) : await node.GetAsync(path, token);
                output.Table(result.GetProperty("moves"), "moves", ("type", "region"), ("shard_id", "shard"), ("from_address", "from"), ("to_address", "to"), ("moved", "moved"));
                if (!output.Json && !parse.GetValue(apply))
                {
                    output.Writer.WriteLine("dry run: nothing moved (--apply makes these moves)");
                }
            }));
            return sharding;
        }

        private static string Query(string name, string? value) => string.IsNullOrWhiteSpace(value) ? "" : $"?{name}={Escape(value)}";

        private static string Timestamp(JsonElement at) =>
            at.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
    }
}
