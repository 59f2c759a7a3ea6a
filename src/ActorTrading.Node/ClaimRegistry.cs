using ActorTrading.Actors;
using ActorTrading.Trading;

namespace ActorTrading.Node;

/// <summary>
/// What must be unique across every node (webhook paths, token hashes, one subscription per bot and account), asked of the
/// claim region: each key is decided by its own entity, so the answer is the same on every node, at once.
/// </summary>
public sealed class ClaimRegistry(IActorRef claims, TimeProvider time)
{
    // How long a look-up of a claim may take: the webhook answers well within TradingView's 3 s, and an API call stays short.
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Claims <paramref name="key"/> for <paramref name="owner"/>: null when it is now theirs, else who holds it;
    /// <paramref name="timeout"/> replaces the 2 s of a request's look-up (the node's start-up waits longer).</summary>
    public async Task<ClaimProtocol.Taken?> ClaimAsync(string key, string owner, CancellationToken cancellationToken, string? replacing = null, TimeSpan? timeout = null) =>
        await claims.Ask<object>(replyTo => new ClaimProtocol.Claim(key, owner, replyTo, replacing), timeout ?? ClaimTimeout, cancellationToken) switch
        {
            ClaimProtocol.Claimed => null,
            ClaimProtocol.Taken taken => taken,
            var reply => throw new InvalidOperationException($"unexpected answer to a claim: {reply.GetType().Name}"),
        };

    /// <summary>Frees <paramref name="key"/> if <paramref name="owner"/> holds it.</summary>
    public Task ReleaseAsync(string key, string owner, CancellationToken cancellationToken) =>
        claims.Ask<object>(replyTo => new ClaimProtocol.Release(key, owner, replyTo), ClaimTimeout, cancellationToken);

    /// <summary>Who holds <paramref name="key"/>, or null when no one does; <paramref name="timeout"/> as for <see cref="ClaimAsync"/>.</summary>
    public async Task<string?> OwnerAsync(string key, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        await claims.Ask<object>(replyTo => new ClaimProtocol.GetClaim(key, replyTo), timeout ?? ClaimTimeout, cancellationToken) is ClaimProtocol.CurrentClaim current
            ? current.Owner
            : throw new InvalidOperationException($"unexpected answer to GetClaim({key})");

    /// <summary>How long <paramref name="taken"/> has been held, on the clock of the claim entities.</summary>
    public TimeSpan AgeOf(ClaimProtocol.Taken taken) => time.GetUtcNow() - taken.Since;
}
