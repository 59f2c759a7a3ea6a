using System.Text.Json.Serialization;
using ActorTrading.Actors.Persistence;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Persistence;

namespace ActorTrading.Node;

/// <summary>
/// Paper accounts kept in the node's journal (SQLite or PostgreSQL, whichever the node runs on), group-committed with
/// every other write: each save is one event of <c>paper-account-{key}</c> (sequence number = version), a whole state now
/// and then and the changes since the last save in between, and an account is read back as its last whole save with the
/// changes after it. Each new account is listed once in <c>paper-accounts</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
public sealed class JournalPaperAccountStore(IJournal journal) : IPaperAccountStore
{
    private const string Accounts = "paper-accounts";

    private static readonly IReadOnlySet<string> NoTags = new HashSet<string>();
    private readonly SemaphoreSlim _listing = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _listed = new(StringComparer.Ordinal);
    private long _listedUpTo;

    /// <summary>The stored names of what this store writes (none of it belongs in the operation log).</summary>
    public static EventSerializer.Builder Register(EventSerializer.Builder builder) => builder
        .Add("paper.account-opened", 1, PaperJsonContext.Default.PaperAccountOpened)
        .Add("paper.account-saved", 1, PaperJsonContext.Default.PaperAccountState)
        .Add("paper.account-changed", 1, PaperJsonContext.Default.PaperAccountChanges);

    /// <summary>Whether <paramref name="manifest"/> is one of this store's.</summary>
    public static bool IsPaper(string manifest) => manifest.StartsWith("paper.", StringComparison.Ordinal);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PaperAccountState>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        await journal.ReplayMessagesAsync(Accounts, 1, long.MaxValue, long.MaxValue, persistent =>
        {
            _listedUpTo = persistent.SequenceNr;
            if (persistent.Payload is PaperAccountOpened opened && _listed.TryAdd(opened.ApiKey, true))
            {
                keys.Add(opened.ApiKey);
            }
        }, cancellationToken);
        _listedUpTo = Math.Max(_listedUpTo, await journal.ReadHighestSequenceNrAsync(Accounts, cancellationToken));

        var states = new List<PaperAccountState>();
        var changes = new List<PaperAccountChanges>();
        foreach (var key in keys)
        {
            // The last whole save and the changes after it; from the first version when that finds none (never expected).
            var highest = await journal.ReadHighestSequenceNrAsync(PersistenceIdOf(key), cancellationToken);
            var from = Math.Max(1, highest - (highest % PaperAccountChanges.WholeSaveEvery));
            if ((await ReadAsync(key, from, changes, cancellationToken) ?? await ReadAsync(key, 1, changes, cancellationToken)) is { } state)
            {
                states.Add(state);
            }
        }

        return states;
    }

    // Folds the saves of an account from a version on: a whole save starts it over (older ones are left when a delete failed).
    private async Task<PaperAccountState?> ReadAsync(string key, long from, List<PaperAccountChanges> changes, CancellationToken cancellationToken)
    {
        PaperAccountState? whole = null;
        changes.Clear();
        await journal.ReplayMessagesAsync(PersistenceIdOf(key), from, long.MaxValue, long.MaxValue, persistent =>
        {
            switch (persistent.Payload)
            {
                case PaperAccountState state:
                    whole = state;
                    changes.Clear();
                    break;
                case PaperAccountChanges changed when whole is not null:
                    changes.Add(changed);
                    break;
            }
        }, cancellationToken);
        return whole is null ? null : PaperAccountChanges.Fold(whole, changes);
    }

    /// <inheritdoc/>
    /// <remarks>The saves before it are not deleted: reading starts at the last whole save anyway, and a delete (logical, the
    /// rows stay) is a write of its own outside the group commit, taken before the answer; on SQLite it held the write lock
    /// the journal's batches wait for.</remarks>
    public Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default) =>
        WriteListedAsync(state.ApiKey, state.Version, state, cancellationToken);

    /// <inheritdoc/>
    public Task SaveChangesAsync(PaperAccountChanges changes, CancellationToken cancellationToken = default) =>
        WriteListedAsync(changes.ApiKey, changes.Version, changes, cancellationToken);

    private static string PersistenceIdOf(string apiKey) => "paper-account-" + apiKey;

    // Listed before its first save: an account saved but not listed would not be found after a restart. Only an account's
    // first save waits for the listing (one write at a time); every later one finds it listed at once.
    private Task WriteListedAsync(string apiKey, long version, object payload, CancellationToken cancellationToken) =>
        _listed.ContainsKey(apiKey)
            ? WriteAsync(PersistenceIdOf(apiKey), version, payload, cancellationToken)
            : ListThenWriteAsync(apiKey, version, payload, cancellationToken);

    private async Task ListThenWriteAsync(string apiKey, long version, object payload, CancellationToken cancellationToken)
    {
        await ListAsync(apiKey, cancellationToken);
        await WriteAsync(PersistenceIdOf(apiKey), version, payload, cancellationToken);
    }

    private async Task ListAsync(string apiKey, CancellationToken cancellationToken)
    {
        await _listing.WaitAsync(cancellationToken);
        try
        {
            if (_listed.ContainsKey(apiKey))
            {
                return;
            }

            await WriteAsync(Accounts, _listedUpTo + 1, new PaperAccountOpened(apiKey), cancellationToken);
            _listedUpTo++;
            _listed[apiKey] = true;
        }
        finally
        {
            _listing.Release();
        }
    }

    private async Task WriteAsync(string persistenceId, long sequenceNr, object payload, CancellationToken cancellationToken)
    {
        var write = new AtomicWrite([new Persistent(payload, persistenceId, sequenceNr, "paper", DateTimeOffset.UtcNow, NoTags)]);
        if ((await journal.WriteMessagesAsync([write], cancellationToken))[0] is { } error)
        {
            throw error;
        }
    }
}

/// <summary>A paper account was listed (stored once, before its first save).</summary>
public sealed record PaperAccountOpened(string ApiKey);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PaperAccountOpened))]
[JsonSerializable(typeof(PaperAccountState))]
[JsonSerializable(typeof(PaperAccountChanges))]
internal sealed partial class PaperJsonContext : JsonSerializerContext;
