using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorTrading.ExchangeSimulator;
using ActorTrading.TestSupport;
using Npgsql;

namespace ActorTrading.Node.Benchmarks;

/// <summary>
/// N node processes started with <c>--cluster</c> (<see cref="ClusterNodeProcess"/>) on a new database of their own
/// (<see cref="TestDatabase"/>), trading on the in-process simulator. Everything the harness does to them goes through
/// their HTTP API (bots, exchange accounts, subscriptions, webhooks), spread round-robin over the nodes as a load balancer
/// would; what it reads back comes from the read tables in PostgreSQL. A cluster of 1 is a member like the others, with no
/// peer to send to.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    // Longer than a node's default (10 s): set-up sends many calls at once to one bot, which adds one subscriber per journal
    // write; a call that waited out the ask would answer 503 and leave its subscription half made.
    private static readonly TimeSpan s_askTimeout = TimeSpan.FromSeconds(60);
    /// <summary>
    /// Member leases of 10 s instead of 3 s. On this shared 2-core machine (load average 30-48 from other work) a renewal
    /// was once late by more than 2.5 s, and the member stopped its shards as it must (fail-stop), failing the set-up
    /// calls in flight. Failure detection is not what these modes measure; a signal's path does not depend on it.
    /// </summary>
    private static readonly Dictionary<string, string> s_patientLeases = new(StringComparer.Ordinal)
    {
        ["ActorTrading__Cluster__MemberLeaseTtl"] = "00:00:10",
        ["ActorTrading__Cluster__RestartDowningGrace"] = "00:00:12",
    };

    private readonly TestDatabase _database;
    private int _next;
    private int _retried;

    private BenchCluster(string name, TestDatabase database, List<ClusterNodeProcess> nodes)
    {
        Name = name;
        _database = database;
        Nodes = nodes;
    }

    /// <summary>How the figures name this cluster (<c>1 node</c>, <c>3 nodes</c>).</summary>
    public string Name { get; }

    public List<ClusterNodeProcess> Nodes { get; }

    /// <summary>CPU time every node process has used so far, together.</summary>
    public TimeSpan Cpu => Nodes.Aggregate(TimeSpan.Zero, (sum, node) => sum + node.Cpu);

    /// <summary>Starts <paramref name="count"/> members one after the other (the first creates the schema), each ready before
    /// the next starts.</summary>
    public static async Task<BenchCluster> StartAsync(string purpose, int count, Uri simulator)
    {
        var database = await TestDatabase.CreateAsync($"bench_{purpose.Replace('-', '_')}");
        var nodes = new List<ClusterNodeProcess>();
        var cluster = new BenchCluster(count == 1 ? "1 node" : $"{count} nodes", database, nodes);
        try
        {
            for (var i = 0; i < count; i++)
            {
                nodes.Add(await ClusterNodeProcess.StartAsync(database.ConnectionString, simulator, s_askTimeout, environment: s_patientLeases));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next node, round-robin: where the next API call goes.</summary>
    public ClusterNodeProcess Next() => Nodes[(int)((uint)Interlocked.Increment(ref _next) % Nodes.Count)];

    /// <summary>Creates a bot (10x, 100 USD, SL 2 %, TP 4 %, as <see cref="BenchBot.Defaults"/>) through the API.</summary>
    public async Task<ClusterBot> CreateBotAsync(string name)
    {
        var path = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var bot = await Nodes[0].PostAsync("/api/v1/bots", new
        {
            name, master_webhook_path = path, default_leverage = BenchBot.Defaults.Leverage, default_margin_usd = BenchBot.Defaults.MarginUsd,
            default_stop_loss_pct = BenchBot.Defaults.StopLossPct, default_take_profit_pct = BenchBot.Defaults.TakeProfitPct,
            signal_ttl_seconds = (int)BenchBot.SignalTimeToLive.TotalSeconds,
        });
        return new ClusterBot(bot.GetProperty("id").GetString() ?? "", path, bot.GetProperty("master_secret").GetString() ?? "");
    }

    /// <summary>Registers <paramref name="count"/> Binance accounts (testnet, the simulator's base URL) through the API, each
    /// key registered on the simulator first; <paramref name="parallelism"/> calls in flight. Returns their ids.</summary>
    public async Task<string[]> CreateAccountsAsync(SimulatorHost simulator, string prefix, int count, int parallelism = 32)
    {
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
            ids[i] = await CreateAccountAsync(simulator, $"{prefix}-key-{i.ToString(CultureInfo.InvariantCulture)}"));
        return ids;
    }

    /// <summary>One Binance account with API key <paramref name="key"/>; made again after a 503 (an account that was made
    /// anyway is only never used).</summary>
    private async Task<string> CreateAccountAsync(SimulatorHost simulator, string key)
    {
        simulator.State.RegisterAccount(key, BenchBot.SecretOf(key));
        for (var attempt = 0; ; attempt++)
        {
            if (await Next().TryPostAsync("/api/v1/exchange-accounts", new { exchange = "binance", testnet = true, api_key = key, secret_key = BenchBot.SecretOf(key) }) is { } account)
            {
                return account.GetProperty("id").GetString() ?? "";
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"POST /api/v1/exchange-accounts of key {key}: 503 four times");
            }

            Interlocked.Increment(ref _retried);
        }
    }

    /// <summary>Set-up calls answered 503 and made again (with a new account, for a subscription).</summary>
    public int Retried => Volatile.Read(ref _retried);

    /// <summary>Subscribes each account to the bot through the API (which creates the entity and adds it to the bot). A call
    /// answered 503 may have been done in part (the pair claimed, the entity made, even added to the bot), so it is made again
    /// with a new account: a half-made subscription that did reach the bot counts among the 202's subscribers and trades.</summary>
    public async Task<string[]> SubscribeAsync(SimulatorHost simulator, ClusterBot bot, IReadOnlyList<string> accountIds, int parallelism = 32)
    {
        var ids = new string[accountIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, accountIds.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
            ids[i] = await SubscribeOneAsync(simulator, bot.BotId, accountIds[i], $"{bot.Path}-retry-{i.ToString(CultureInfo.InvariantCulture)}"));
        return ids;
    }

    /// <summary>One subscription (see <see cref="SubscribeAsync"/>); up to 3 more attempts after a 503, each with a new account.</summary>
    public async Task<string> SubscribeOneAsync(SimulatorHost simulator, string botId, string accountId, string retryPrefix)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await Next().TryPostAsync("/api/v1/bot-subscriptions", new { bot_id = botId, exchange_account_id = accountId }) is { } subscription)
            {
                return subscription.GetProperty("id").GetString() ?? "";
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"POST /api/v1/bot-subscriptions of account {accountId} to bot {botId}: 503 four times");
            }

            Interlocked.Increment(ref _retried);
            accountId = await CreateAccountAsync(simulator, $"{retryPrefix}-{attempt.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>Posts an alert to the bot's webhook on <paramref name="node"/>: the signal id and its subscribers, and the 202's time.</summary>
    public static async Task<(string SignalId, int Subscribers, TimeSpan Ack)> PostAlertAsync(ClusterNodeProcess node, ClusterBot bot, string action, string alertId)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await node.Http.PostAsync(bot.WebhookUri, new StringContent(bot.Alert(action, alertId), Encoding.UTF8, "text/plain"));
        var text = await response.Content.ReadAsStringAsync();
        var ack = Stopwatch.GetElapsedTime(start);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"webhook on {node.Authority} answered {(int)response.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("signal_id").GetString() ?? "", body.RootElement.GetProperty("subscribers").GetInt32(), ack);
    }

    /// <summary>One number from the cluster's database.</summary>
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>Rows of <c>bot_signal_executions</c> by status for one signal.</summary>
    public async Task<IReadOnlyDictionary<string, long>> StatusesAsync(string signalId)
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT status, COUNT(*) FROM bot_signal_executions WHERE signal_id = @id GROUP BY status", connection);
        command.Parameters.AddWithValue("id", signalId);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            statuses[reader.GetString(0)] = reader.GetInt64(1);
        }

        return statuses;
    }

    /// <summary>The most frequent reasons of the rows of one signal that are not <c>executed</c>.</summary>
    public async Task<string> ReasonsAsync(string signalId)
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE(reason, '(none)'), COUNT(*) AS n FROM bot_signal_executions WHERE signal_id = @id AND status <> 'executed' GROUP BY reason ORDER BY n DESC LIMIT 3", connection);
        command.Parameters.AddWithValue("id", signalId);
        await using var reader = await command.ExecuteReaderAsync();
        var reasons = new List<string>();
        while (await reader.ReadAsync())
        {
            reasons.Add($"{reader.GetInt64(1):N0} x {reader.GetString(0)}");
        }

        return string.Join("; ", reasons);
    }

    /// <summary>How many active shards of <paramref name="type"/> each member owns (the cluster API's <c>shards_per_member</c>).</summary>
    public async Task<string> ShardsPerMemberAsync(string type)
    {
        var types = (await Nodes[0].GetAsync($"/api/v1/cluster/shards?type={type}")).GetProperty("types");
        return types.GetArrayLength() == 0
            ? "none"
            : string.Join(", ", types[0].GetProperty("shards_per_member").EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name} {p.Value.GetInt32()}"));
    }

    /// <summary>The member that holds the bot's shard (its address), or null.</summary>
    public async Task<string?> HomeOfAsync(string botId)
    {
        var shard = int.Parse(Actors.Sharding.HashCodeMessageExtractor.ShardIdOf(botId, new Trading.TradingSettings().NumberOfShards), CultureInfo.InvariantCulture);
        var types = (await Nodes[0].GetAsync("/api/v1/cluster/shards?type=bot")).GetProperty("types");
        return types.GetArrayLength() == 0 ? null : types[0].GetProperty("shards").EnumerateArray()
            .Where(s => s.GetProperty("shard_id").GetInt32() == shard && s.GetProperty("state").GetString() == "active")
            .Select(s => s.GetProperty("owner_address").GetString()).FirstOrDefault();
    }

    /// <summary>Waits until no projection has events left to apply (every node's <c>actortrading_projection_lag</c> is 0); false
    /// when that did not happen within <paramref name="limit"/>.</summary>
    public async Task<bool> CatchUpAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var lagging = false;
            foreach (var node in Nodes)
            {
                var metrics = await node.Http.GetStringAsync("/metrics");
                lagging |= metrics.Split('\n').Any(line => line.StartsWith("actortrading_projection_lag", StringComparison.Ordinal)
                    && !line.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
            }

            if (!lagging || deadline.Elapsed > limit)
            {
                return !lagging;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The last lines each node printed: for a failure message.</summary>
    public string Tail(int lines = 20) => string.Join("\n", Nodes.Select(n =>
        $"--- {n.Authority} ---\n" + string.Join("\n", n.Output.Split('\n').TakeLast(lines))));

    /// <summary>Shard moves recorded in <c>shard_lease_history</c>, by reason (rebalance, hand-off, takeover…).</summary>
    public async Task<string> LeaseHistoryAsync()
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT reason, COUNT(*) FROM shard_lease_history GROUP BY reason ORDER BY reason", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var reasons = new List<string>();
        while (await reader.ReadAsync())
        {
            reasons.Add($"{reader.GetValue(0)} {reader.GetInt64(1)}");
        }

        return string.Join(", ", reasons);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}

/// <summary>A bot created through the API: its id, webhook path and master secret.</summary>
internal sealed record ClusterBot(string BotId, string Path, string Secret)
{
    public string WebhookUri => $"/api/v1/bots/webhook/master/{Path}";

    /// <summary>The body of an alert as TradingView sends it (sent as <c>text/plain</c>).</summary>
    public string Alert(string action, string alertId) =>
        $$"""{"secret":"{{Secret}}","ticker":"BINANCE:BTCUSDT.P","action":"{{action}}","price":"64000","alert_id":"{{alertId}}"}""";
}
