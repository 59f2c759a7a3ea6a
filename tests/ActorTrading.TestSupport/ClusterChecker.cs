using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ActorTrading.TestSupport;

/// <summary>
/// Checks the cluster's invariants after a fault scenario (CLUSTER.md, "Failure scenarios"), from what outlives the nodes:
/// the database (journal, read tables, lease history) and the exchange simulator's order log. Each check returns its
/// violations, one readable line each (empty when it holds), so a test can assert one invariant or, with
/// <see cref="AssertAllAsync"/>, all of them at once and see every broken one in one failure.
/// </summary>
/// <remarks>
/// <para><b>I1</b> (<see cref="CheckOutcomesAsync"/>): every subscription that was a subscriber of the bot when a signal was
/// accepted has exactly one outcome for it: exactly one <c>subscription.signal-completed.v1</c> event for that signal in its
/// journal, and a row in <c>bot_signal_executions</c> that is not <c>unanswered</c> (the bot's placeholder, not an outcome);
/// no other subscription has one. "A subscriber when accepted" is what the bot entity itself means by it
/// (<c>SignalAccepted</c>: the set its journal holds at that point): the checker replays every <c>bot-*</c> journal's
/// <c>subscriber-added</c> / <c>subscriber-removed</c> events up to each <c>signal-accepted</c>, unless the test passes the
/// expected sets itself. Signals the test saw acknowledged (202) must each have their <c>signal-accepted</c> event: nothing
/// acknowledged is lost. The read table is written by a projection, so call the check once the outcomes are in.</para>
/// <para><b>I2</b> (<see cref="CheckOrdersAsync"/>): at most one order per client order id in <c>GET /_sim/orders</c>,
/// across every account. The id is derived from (subscription, signal, leg) (<c>ClientOrderIds.For</c>), so this is "at
/// most one order per (subscription, signal, leg)"; the simulator refuses a duplicate only within one account.</para>
/// <para><b>I3</b> (<see cref="CheckJournalAsync"/>): every persistence id's sequence numbers are gap-free from 1; and no
/// fenced row (one with a shard) was written under an epoch older than one already granted for its shard. The database
/// keeps no commit time of a row, so the rule is: a row of shard S with <c>writer_epoch</c> e and <c>created_at</c> t
/// violates I3 when <c>shard_lease_history</c> holds an epoch e' &gt; e of S whose <c>at</c> + <see cref="ClockTolerance"/>
/// &lt; t. <c>at</c> is the granting transaction's <c>now()</c> (before its commit) and t the writer's stamp (before the
/// row's commit), so a row stamped well after the newer grant began committed after it began; the tolerance covers the
/// time a grant waits for in-flight fenced writes and the difference between a node's clock and the database's (set it
/// above an injected clock skew). Besides, clock-free: on a shard with any history, a row's (incarnation, epoch) must be
/// one the history granted (<c>allocate</c> or <c>takeover</c>) to that incarnation.</para>
/// </remarks>
public sealed class ClusterChecker
{
    /// <summary>The manifest of a subscription's outcome for a signal.</summary>
    public const string OutcomeManifest = "subscription.signal-completed.v1";

    private const string SubscriptionPrefix = "subscription-";
    private const string BotPrefix = "bot-";

    private readonly string _connectionString;
    private readonly Uri _simulator;

    /// <summary>A checker of the cluster whose database is <paramref name="connectionString"/> and whose exchange is the
    /// simulator at <paramref name="simulator"/>.</summary>
    /// <param name="connectionString">The Npgsql connection string of the cluster's database.</param>
    /// <param name="simulator">The exchange simulator's base address (its <c>/_sim/orders</c> is read).</param>
    /// <exception cref="ArgumentException">The connection string is empty or the address is not absolute.</exception>
    public ClusterChecker(string connectionString, Uri simulator)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("connectionString: the cluster's Npgsql connection string is empty", nameof(connectionString));
        }

        ArgumentNullException.ThrowIfNull(simulator);
        if (!simulator.IsAbsoluteUri)
        {
            throw new ArgumentException($"simulator: '{simulator}' is not an absolute address (e.g. http://127.0.0.1:5000/)", nameof(simulator));
        }

        _connectionString = connectionString;
        _simulator = simulator;
    }

    /// <summary>The slack of I3's epoch rule between a grant's <c>at</c> and a row's <c>created_at</c> (see the remarks).</summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs every check and throws with all their violations when there is any.</summary>
    /// <param name="expected">The subscribers each signal must reach, by signal id; null to read them from the bots' journals.</param>
    /// <param name="acknowledgedSignals">The signal ids the ingress answered 202 to (each must be durable), if known.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>A task that completes when every invariant holds.</returns>
    /// <exception cref="ClusterInvariantException">One or more invariants are broken (every violation is in it).</exception>
    public async Task AssertAllAsync(IReadOnlyDictionary<string, IReadOnlySet<string>>? expected = null,
        IReadOnlyCollection<string>? acknowledgedSignals = null, CancellationToken cancellationToken = default)
    {
        var violations = new List<string>();
        violations.AddRange(await CheckOutcomesAsync(expected, acknowledgedSignals, cancellationToken));
        violations.AddRange(await CheckOrdersAsync(cancellationToken));
        violations.AddRange(await CheckJournalAsync(cancellationToken));
        if (violations.Count > 0)
        {
            throw new ClusterInvariantException(violations);
        }
    }

    /// <summary>The subscribers each accepted signal must reach, by signal id, replayed from the bots' journals.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Every signal with a <c>signal-accepted</c> event, and the bot's subscriber set at that event.</returns>
    public async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> ExpectedOutcomesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var read = new NpgsqlCommand("""
            SELECT persistence_id, manifest, convert_from(payload, 'UTF8')::jsonb
              FROM event_journal
             WHERE persistence_id LIKE 'bot-%' AND NOT is_deleted
               AND (manifest LIKE 'bot.subscriber-added.%' OR manifest LIKE 'bot.subscriber-removed.%' OR manifest LIKE 'bot.signal-accepted.%')
             ORDER BY persistence_id, sequence_nr
            """, connection);
        var expected = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        string? bot = null;
        var subscribers = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var persistenceId = reader.GetString(0);
            if (!string.Equals(persistenceId, bot, StringComparison.Ordinal))
            {
                bot = persistenceId;
                subscribers.Clear();
            }

            var manifest = reader.GetString(1);
            using var payload = JsonDocument.Parse(reader.GetString(2));
            if (manifest.StartsWith("bot.subscriber-added.", StringComparison.Ordinal))
            {
                subscribers.Add(Text(payload, "subscription_id"));
            }
            else if (manifest.StartsWith("bot.subscriber-removed.", StringComparison.Ordinal))
            {
                subscribers.Remove(Text(payload, "subscription_id"));
            }
            else
            {
                expected[Text(payload, "signal_id")] = new HashSet<string>(subscribers, StringComparer.Ordinal);
            }
        }

        return expected;
    }

    /// <summary>I1: every subscriber of each signal has exactly one outcome for it, and every acknowledged signal is durable.</summary>
    /// <param name="expected">The subscribers each signal must reach, by signal id; null to read them from the bots' journals.</param>
    /// <param name="acknowledgedSignals">The signal ids the ingress answered 202 to, if known.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The violations, one line each; empty when I1 holds.</returns>
    public async Task<IReadOnlyList<string>> CheckOutcomesAsync(IReadOnlyDictionary<string, IReadOnlySet<string>>? expected = null,
        IReadOnlyCollection<string>? acknowledgedSignals = null, CancellationToken cancellationToken = default)
    {
        var accepted = await ExpectedOutcomesAsync(cancellationToken);
        expected ??= accepted;
        var violations = new List<string>();
        foreach (var signal in (acknowledgedSignals ?? []).Where(s => !accepted.ContainsKey(s)).Order(StringComparer.Ordinal))
        {
            violations.Add($"I1: signal {signal} was acknowledged (202) but no bot journal holds its signal-accepted event: it was lost");
        }

        var signals = expected.Keys.ToArray();
        var journal = new Dictionary<(string Signal, string Subscription), long>();
        var rows = new Dictionary<(string Signal, string Subscription), string>();
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await using (var outcomes = new NpgsqlCommand("""
                SELECT o.signal_id, substr(o.persistence_id, length(@prefix) + 1), count(*)
                  FROM (SELECT persistence_id, convert_from(payload, 'UTF8')::jsonb ->> 'signal_id' AS signal_id
                          FROM event_journal WHERE manifest = @manifest AND NOT is_deleted AND persistence_id LIKE @prefix || '%') o
                 WHERE o.signal_id = ANY(@signals)
                 GROUP BY 1, 2
                """, connection))
            {
                outcomes.Parameters.AddWithValue("prefix", SubscriptionPrefix);
                outcomes.Parameters.AddWithValue("manifest", OutcomeManifest);
                outcomes.Parameters.AddWithValue("signals", signals);
                await using var reader = await outcomes.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    journal[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
                }
            }

            await using var executions = new NpgsqlCommand(
                "SELECT signal_id, subscription_id, status FROM bot_signal_executions WHERE signal_id = ANY(@signals)", connection);
            executions.Parameters.AddWithValue("signals", signals);
            await using (var reader = await executions.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
                }
            }
        }

        foreach (var (signal, subscribers) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            foreach (var subscription in subscribers.Order(StringComparer.Ordinal))
            {
                var count = journal.GetValueOrDefault((signal, subscription));
                if (count != 1)
                {
                    violations.Add(count == 0
                        ? $"I1: signal {signal}, subscription {subscription}: no outcome in its journal"
                        : $"I1: signal {signal}, subscription {subscription}: {count} outcomes in its journal, exactly one expected");
                }

                if (!rows.TryGetValue((signal, subscription), out var status))
                {
                    violations.Add($"I1: signal {signal}, subscription {subscription}: no row in bot_signal_executions");
                }
                else if (status == "unanswered")
                {
                    violations.Add($"I1: signal {signal}, subscription {subscription}: recorded as unanswered, no outcome of its own");
                }
            }

            foreach (var stray in journal.Keys.Where(k => k.Signal == signal && !subscribers.Contains(k.Subscription)).Select(k => k.Subscription).Order(StringComparer.Ordinal))
            {
                violations.Add($"I1: signal {signal}, subscription {stray}: has an outcome but was not a subscriber when the signal was accepted");
            }
        }

        return violations;
    }

    /// <summary>I2: at most one order per client order id in the simulator's order log.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The violations, one line each; empty when I2 holds.</returns>
    public async Task<IReadOnlyList<string>> CheckOrdersAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = _simulator, Timeout = TimeSpan.FromSeconds(30) };
        var orders = await http.GetFromJsonAsync<JsonElement>("/_sim/orders", cancellationToken);
        return orders.EnumerateArray()
            .Select(o => (Id: o.GetProperty("clientOrderId").GetString() ?? string.Empty,
                Order: $"{o.GetProperty("venue").GetString()}/{o.GetProperty("apiKey").GetString()}/#{o.GetProperty("orderId").GetRawText()}"))
            .Where(o => o.Id.Length > 0)
            .GroupBy(o => o.Id, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"I2: client order id {g.Key}: {g.Count()} orders ({string.Join(", ", g.Select(o => o.Order))}), at most one expected")
            .ToList();
    }

    /// <summary>I3: gap-free sequence numbers from 1, and no row written under an epoch older than one already granted.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The violations, one line each; empty when I3 holds.</returns>
    public async Task<IReadOnlyList<string>> CheckJournalAsync(CancellationToken cancellationToken = default)
    {
        var violations = new List<string>();
        await using var connection = await OpenAsync(cancellationToken);

        // Gaps: the unique key rules out duplicates, so 1..max is complete when there are max rows.
        await using (var gaps = new NpgsqlCommand("""
            SELECT persistence_id, count(*), max(sequence_nr),
                   (SELECT min(s) FROM generate_series(1, max(j.sequence_nr)) s
                     WHERE NOT EXISTS (SELECT 1 FROM event_journal k WHERE k.persistence_id = j.persistence_id AND k.sequence_nr = s))
              FROM event_journal j
             GROUP BY persistence_id
            HAVING min(sequence_nr) <> 1 OR max(sequence_nr) <> count(*)
             ORDER BY persistence_id
            """, connection))
        {
            await using var reader = await gaps.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                violations.Add(string.Create(CultureInfo.InvariantCulture,
                    $"I3: persistence id {reader.GetString(0)}: sequence numbers not gap-free from 1 ({reader.GetInt64(1)} rows up to {reader.GetInt64(2)}, first missing {(reader.IsDBNull(3) ? "?" : reader.GetInt64(3))})"));
            }
        }

        await using (var stale = new NpgsqlCommand("""
            SELECT j.persistence_id, j.sequence_nr, j.shard_type, j.shard_id, j.writer_epoch, j.created_at, h.epoch, h.at
              FROM event_journal j
              JOIN LATERAL (SELECT epoch, at FROM shard_lease_history h
                             WHERE h.type_name = j.shard_type AND h.shard_id = j.shard_id
                               AND h.epoch > j.writer_epoch AND h.at + @tolerance < j.created_at
                             ORDER BY h.epoch LIMIT 1) h ON true
             WHERE j.shard_type IS NOT NULL
             ORDER BY j.persistence_id, j.sequence_nr
            """, connection))
        {
            stale.Parameters.AddWithValue("tolerance", ClockTolerance);
            await using var reader = await stale.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                violations.Add(string.Create(CultureInfo.InvariantCulture,
                    $"I3: {reader.GetString(0)} #{reader.GetInt64(1)} on shard {reader.GetString(2)}/{reader.GetInt32(3)} was written at {reader.GetFieldValue<DateTimeOffset>(5):O} under epoch {reader.GetInt64(4)}, but epoch {reader.GetInt64(6)} was granted at {reader.GetFieldValue<DateTimeOffset>(7):O}"));
            }
        }

        await using (var ungranted = new NpgsqlCommand("""
            SELECT j.persistence_id, j.sequence_nr, j.shard_type, j.shard_id, j.writer_incarnation, j.writer_epoch
              FROM event_journal j
             WHERE j.shard_type IS NOT NULL
               AND EXISTS (SELECT 1 FROM shard_lease_history h WHERE h.type_name = j.shard_type AND h.shard_id = j.shard_id)
               AND NOT EXISTS (SELECT 1 FROM shard_lease_history h
                                WHERE h.type_name = j.shard_type AND h.shard_id = j.shard_id AND h.epoch = j.writer_epoch
                                  AND h.owner_incarnation IS NOT DISTINCT FROM j.writer_incarnation AND h.reason IN ('allocate', 'takeover'))
             ORDER BY j.persistence_id, j.sequence_nr
            """, connection))
        {
            await using var reader = await ungranted.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                violations.Add(string.Create(CultureInfo.InvariantCulture,
                    $"I3: {reader.GetString(0)} #{reader.GetInt64(1)} on shard {reader.GetString(2)}/{reader.GetInt32(3)} was written by incarnation {(reader.IsDBNull(4) ? "(none)" : reader.GetInt64(4))} under epoch {(reader.IsDBNull(5) ? "(none)" : reader.GetInt64(5))}, which shard_lease_history never granted to it"));
            }
        }

        return violations;
    }

    private Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => TestDatabase.OpenConnectionAsync(_connectionString, cancellationToken);

    private static string Text(JsonDocument payload, string property) =>
        payload.RootElement.TryGetProperty(property, out var value) && value.GetString() is { } text
            ? text
            : throw new InvalidDataException($"a journal payload has no '{property}': {payload.RootElement.GetRawText()}");
}

/// <summary>One or more cluster invariants are broken; <see cref="Exception.Message"/> lists every violation, a line each.</summary>
public sealed class ClusterInvariantException : Exception
{
    /// <summary>An exception listing <paramref name="violations"/>.</summary>
    /// <param name="violations">The broken invariants, one readable line each.</param>
    public ClusterInvariantException(IReadOnlyList<string> violations)
        : base($"{violations.Count} cluster invariant violation(s):{Environment.NewLine}{string.Join(Environment.NewLine, violations)}") =>
        Violations = violations;

    /// <summary>The broken invariants, one readable line each.</summary>
    public IReadOnlyList<string> Violations { get; }
}
