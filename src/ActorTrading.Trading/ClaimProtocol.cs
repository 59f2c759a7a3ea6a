using ActorTrading.Actors;

namespace ActorTrading.Trading;

/// <summary>
/// The protocol of a claim: a key that at most one owner holds at a time, decided by one entity wherever it runs
/// (a webhook path held by its bot, a token hash by its user, a bot and exchange account pair by its subscription).
/// </summary>
public static class ClaimProtocol
{
    /// <summary>Messages for a claim entity carry its key.</summary>
    public interface IWithClaimKey
    {
        /// <summary>The claimed key (see <see cref="ClaimKeys"/>).</summary>
        string Key { get; }

        /// <summary>Where the answer goes.</summary>
        IActorRef ReplyTo { get; }
    }

    /// <summary>Claims <paramref name="Key"/> for <paramref name="Owner"/>: answered <see cref="Claimed"/> when it was free or is
    /// already theirs (a repeat is harmless), else <see cref="Taken"/>. With <paramref name="Replacing"/>, the claim passes to
    /// <paramref name="Owner"/> also when that is who holds it now (compare and swap: the caller found the holder gone).</summary>
    public sealed record Claim(string Key, string Owner, IActorRef ReplyTo, string? Replacing = null) : IWithClaimKey;

    /// <summary>Frees <paramref name="Key"/> if <paramref name="Owner"/> holds it: answered <see cref="Released"/> (also when it was
    /// free), or <see cref="Taken"/> when another holds it.</summary>
    public sealed record Release(string Key, string Owner, IActorRef ReplyTo) : IWithClaimKey;

    /// <summary>Asks who holds <paramref name="Key"/>: answered <see cref="CurrentClaim"/>.</summary>
    public sealed record GetClaim(string Key, IActorRef ReplyTo) : IWithClaimKey;

    /// <summary>The key is <paramref name="Owner"/>'s.</summary>
    public sealed record Claimed(string Key, string Owner);

    /// <summary>The key is held by another, <paramref name="Owner"/>, since <paramref name="Since"/>.</summary>
    public sealed record Taken(string Key, string Owner, DateTimeOffset Since);

    /// <summary>The key is free.</summary>
    public sealed record Released(string Key);

    /// <summary>Who holds the key, if anyone, and since when.</summary>
    public sealed record CurrentClaim(string Key, string? Owner, DateTimeOffset? Since);
}

/// <summary>The keys of the facts that must be unique across every node.</summary>
public static class ClaimKeys
{
    /// <summary>A bot's master webhook path.</summary>
    public static string WebhookPath(string path) => "webhook-path:" + path;

    /// <summary>A user's API token, by its SHA-256 (hex).</summary>
    public static string UserToken(string tokenSha256) => "user-token:" + tokenSha256;

    /// <summary>The one subscription that is not cancelled of an exchange account to a bot.</summary>
    public static string Subscription(string botId, string accountId) => $"subscription:{botId}:{accountId}";

    /// <summary>Whether <paramref name="key"/> is asked only when a subscription is made or cancelled (not on every request,
    /// as tokens and paths are).</summary>
    public static bool IsAskedRarely(string key) => key.StartsWith("subscription:", StringComparison.Ordinal);

    /// <summary>Held by <c>done</c> once the claims of what earlier versions created (before claims existed) were made.</summary>
    public const string Backfilled = "migration:claims-v1";
}
