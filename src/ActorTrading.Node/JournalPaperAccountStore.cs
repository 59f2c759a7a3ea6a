using System.Text.Json.Serialization;
using ActorTrading.Actors.Persistence;
using ActorTrading.Exchanges.Paper;
using ActorTrading.Persistence;

namespace ActorTrading.Node;

/// <summary>
/// Paper accounts kept in the node's journal (SQLite or PostgreSQL, whichever the node runs on), group-committed with
/// every other write: each save is one event holding the account's whole state (<c>paper-account-{key}</c>, sequence
/// number = version), and only the newest is read back; each new account is listed once in <c>paper-accounts</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
public sealed class JournalPaperAccountStore(IJournal journal) : IPaperAccountStore
{
    private const string Accounts = "paper-accounts";

    // Older saves are dropped now and then, not at every save: each is the whole state.
    private const long DeleteEvery = 100;
    private readonly SemaphoreSlim _listing = new(1, 1);
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);
    private long _listedUpTo;

    /// <summary>The stored names of what this store writes (none of it belongs in the operation log).</summary>
    public static EventSerializer.Builder Register(EventSerializer.Builder builder) => builder
        .Add("paper.account-opened", 1, PaperJsonContext.Default.PaperAccountOpened)
        .Add("paper.account-saved", 1, PaperJsonContext.Default.PaperAccountState);

    /// <summary>Whether <paramref name="manifest"/> is one of this store's.</summary>
    public static bool IsPaper(string manifest) => manifest.StartsWith("paper.", StringComparison.Ordinal);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PaperAccountState>> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        await journal.ReplayMessagesAsync(Accounts, 1, long.MaxValue, long.MaxValue, persistent =>
        {
            _listedUpTo = persistent.SequenceNr;
            if (persistent.Payload is PaperAccountOpened opened && _listed.Add(opened.ApiKey))
            {
                keys.Add(opened.ApiKey);
            }
        }, cancellationToken);
        _listedUpTo = Math.Max(_listedUpTo, await journal.ReadHighestSequenceNrAsync(Accounts, cancellationToken));

        var states = new List<PaperAccountState>();
        foreach (var key in keys)
        {
            var highest = await journal.ReadHighestSequenceNrAsync(PersistenceIdOf(key), cancellationToken);
            await journal.ReplayMessagesAsync(PersistenceIdOf(key), highest, highest, 1, persistent =>
            {
                if (persistent.Payload is PaperAccountState state)
                {
                    states.Add(state);
                }
            }, cancellationToken);
        }

        return states;
    }

    /// <inheritdoc/>
    public async Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default)
    {
        // Listed before its first save: an account saved but not listed would not be found after a restart.
        await ListAsync(state.ApiKey, cancellationToken);
        await WriteAsync(PersistenceIdOf(state.ApiKey), state.Version, state, cancellationToken);
        if (state.Version % DeleteEvery == 0)
        {
            try
            {
                await journal.DeleteMessagesToAsync(PersistenceIdOf(state.ApiKey), state.Version - 1, cancellationToken);
            }
            catch (JournalException)
            {
                // Only older copies stay: the next round deletes them.
            }
        }
    }

    private static string PersistenceIdOf(string apiKey) => "paper-account-" + apiKey;

    private async Task ListAsync(string apiKey, CancellationToken cancellationToken)
    {
        await _listing.WaitAsync(cancellationToken);
        try
        {
            if (_listed.Contains(apiKey))
            {
                return;
            }

            await WriteAsync(Accounts, _listedUpTo + 1, new PaperAccountOpened(apiKey), cancellationToken);
            _listedUpTo++;
            _listed.Add(apiKey);
        }
        finally
        {
            _listing.Release();
        }
    }

    private async Task WriteAsync(string persistenceId, long sequenceNr, object payload, CancellationToken cancellationToken)
    {
        var write = new AtomicWrite([new Persistent(payload, persistenceId, sequenceNr, "paper", DateTimeOffset.UtcNow, new HashSet<string>())]);
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
internal sealed partial class PaperJsonContext : JsonSerializerContext;
