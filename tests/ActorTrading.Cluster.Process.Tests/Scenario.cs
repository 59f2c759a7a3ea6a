using System.Net;
using System.Text.Json;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;
using Npgsql;

namespace ActorTrading.Cluster.Process.Tests;

/// <summary>A bot made for a scenario: its webhook, its secret and the subscriptions it fans out to.</summary>
/// <param name="Id">The bot's id.</param>
/// <param name="Path">Its master webhook path.</param>
/// <param name="Secret">Its master secret (what an alert carries).</param>
/// <param name="Subscriptions">The ids of its subscriptions, in the order they were made.</param>
public sealed record ScenarioBot(string Id, string Path, string Secret, IReadOnlyList<string> Subscriptions);

/// <summary>What the fault scenarios do alike: make a bot with Binance subscribers on the simulator, send it alerts, wait for
/// outcomes, and read the membership and the shard leases straight from PostgreSQL (the cluster's own record).</summary>
public static class Scenario
{
    /// <summary>A bot made through the first of <paramref name="nodes"/> with <paramref name="subscribers"/> subscriptions, each on an account of its
    /// own registered on <paramref name="simulator"/>, created <paramref name="parallelism"/> at a time through every node in
    /// turn (any node's API reaches any entity).</summary>
    public static async Task<ScenarioBot> CreateBotAsync(IReadOnlyList<ClusterNode> nodes, SimulatorHost simulator, string name, int subscribers,
        int signalTtlSeconds = 3600, int parallelism = 1)
    {
        var bot = Created(await nodes[0].PostAsync("/api/v1/bots",
            new { name, master_webhook_path = name, default_leverage = 2, default_margin_usd = 100, signal_ttl_seconds = signalTtlSeconds }));
        var botId = Text(bot, "id");
        var subscriptions = new string[subscribers];
        await Parallel.ForEachAsync(Enumerable.Range(0, subscribers), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
        {
            var node = nodes[i % nodes.Count];
            var (key, secret) = ($"{name}-key-{i}", $"{name}-secret-{i}");
            simulator.State.RegisterAccount(key, secret);
            var account = Created(await node.PostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = key, secret_key = secret }));
            var subscription = Created(await node.PostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = Text(account, "id") }));
            subscriptions[i] = Text(subscription, "id");
        });
        return new ScenarioBot(botId, name, Text(bot, "master_secret"), subscriptions);
    }

    /// <summary>The text of an alert to <paramref name="bot"/>.</summary>
    public static string Alert(ScenarioBot bot, string action, string? alertId = null) =>
        alertId is null
            ? $$"""{"secret":"{{bot.Secret}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}"}"""
            : $$"""{"secret":"{{bot.Secret}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}","alert_id":"{{alertId}}"}""";

    /// <summary>Posts an alert to <paramref name="node"/> and returns the signal id of its 202 (failing on any other answer).</summary>
    public static async Task<string> SignalAsync(ClusterNode node, ScenarioBot bot, string action)
    {
        var (status, accepted) = await node.PostAlertAsync($"/api/v1/bots/webhook/master/{bot.Path}", Alert(bot, action));
        status.ShouldBe(HttpStatusCode.Accepted, accepted.ToString());
        return Text(accepted, "signal_id");
    }

    /// <summary>Waits until every signal of <paramref name="signals"/> has an outcome of its own (not <c>unanswered</c>) from
    /// each of the <paramref name="subscribers"/>, in the read table of <paramref name="postgres"/>.</summary>
    public static async Task OutcomesAsync(string postgres, IReadOnlyCollection<string> signals, int subscribers, TimeSpan limit, Func<string>? state = null)
    {
        var expected = (long)signals.Count * subscribers;
        long recorded = 0;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                recorded = await ScalarAsync<long>(postgres,
                    "SELECT count(*) FROM bot_signal_executions WHERE signal_id = ANY(@signals) AND status <> 'unanswered'", ("signals", signals.ToArray()));
            }
            catch (NpgsqlException)
            {
                // The server is restarting, or a pooled connection is one it ended: ask again.
                return false;
            }

            return recorded == expected;
        }, $"{expected} outcomes of {signals.Count} signals", limit, () => $"{recorded} recorded; {state?.Invoke()}");
    }

    /// <summary>The statuses of every subscription's outcome of <paramref name="signalId"/>, from the read table.</summary>
    public static async Task<IReadOnlyList<string>> OutcomeStatusesAsync(string postgres, string signalId) =>
        [.. (await OutcomesOfAsync(postgres, signalId)).Select(o => o.Status)];

    /// <summary>Each subscription's outcome of <paramref name="signalId"/>: its status and reason, from the read table.</summary>
    public static async Task<IReadOnlyList<(string Status, string Reason)>> OutcomesOfAsync(string postgres, string signalId)
    {
        await using var connection = await TestDatabase.OpenConnectionAsync(postgres);
        await using var read = new NpgsqlCommand("SELECT status, coalesce(reason, '') FROM bot_signal_executions WHERE signal_id = @s", connection);
        read.Parameters.AddWithValue("s", signalId);
        var outcomes = new List<(string, string)>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            outcomes.Add((reader.GetString(0), reader.GetString(1)));
        }

        return outcomes;
    }

    /// <summary>The outcomes that are not <c>executed</c>, counted by status and reason, for a failure message.</summary>
    public static string NotExecuted(IEnumerable<(string Status, string Reason)> outcomes) =>
        string.Join("; ", outcomes.Where(o => o.Status != "executed").GroupBy(o => o).Select(g => $"{g.Count()}× {g.Key.Status}: {g.Key.Reason}"));

    /// <summary>Every member row: incarnation → (address, status), from <c>cluster_member</c>.</summary>
    public static async Task<IReadOnlyDictionary<long, (string Address, string Status)>> MembersAsync(string postgres)
    {
        await using var connection = await TestDatabase.OpenConnectionAsync(postgres);
        await using var read = new NpgsqlCommand("SELECT incarnation, address, status::text FROM cluster_member ORDER BY incarnation", connection);
        var members = new Dictionary<long, (string, string)>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            members[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return members;
    }

    /// <summary>Every shard lease: (type, shard) → (owner incarnation, epoch), from <c>shard_lease</c>.</summary>
    public static async Task<IReadOnlyDictionary<(string Type, int Shard), (long? Owner, long Epoch)>> LeasesAsync(string postgres)
    {
        await using var connection = await TestDatabase.OpenConnectionAsync(postgres);
        await using var read = new NpgsqlCommand("SELECT type_name, shard_id, owner_incarnation, epoch FROM shard_lease", connection);
        var leases = new Dictionary<(string, int), (long?, long)>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            leases[(reader.GetString(0), reader.GetInt32(1))] = (reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(3));
        }

        return leases;
    }

    /// <summary>The node that holds the lease of <paramref name="type"/>'s shard of <paramref name="entityId"/>.</summary>
    public static async Task<ClusterNode> HomeOfAsync(NodeCluster cluster, string postgres, string type, string entityId)
    {
        var shard = int.Parse(ActorTrading.Actors.Sharding.HashCodeMessageExtractor.ShardIdOf(entityId, new ActorTrading.Trading.TradingSettings().NumberOfShards),
            System.Globalization.CultureInfo.InvariantCulture);
        var owner = (await LeasesAsync(postgres))[(type, shard)].Owner;
        var address = (await MembersAsync(postgres))[owner ?? 0].Address;
        return cluster.Nodes.Single(n => n.Address.GetLeftPart(UriPartial.Authority) == address);
    }

    /// <summary>One value of <paramref name="sql"/> on <paramref name="postgres"/>.</summary>
    public static async Task<T> ScalarAsync<T>(string postgres, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await TestDatabase.OpenConnectionAsync(postgres);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameter, value) in parameters)
        {
            command.Parameters.AddWithValue(parameter, value);
        }

        return (T)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no value from {sql}"));
    }

    private static JsonElement Created((HttpStatusCode Status, JsonElement Body) response)
    {
        response.Status.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.Created], response.Body.ToString());
        return response.Body;
    }

    private static string Text(JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"no {property} in {element}");
}
