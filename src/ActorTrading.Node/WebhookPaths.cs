using System.Collections.Concurrent;
using ActorTrading.Trading;

namespace ActorTrading.Node;

/// <summary>The webhook path → bot look-up: the path's claim, and what a signal through it here learned of it.</summary>
public sealed class WebhookPaths(ClaimRegistry claims)
{
    // Webhook path → bot of every path that has served a signal here (see Served): one entry per live bot path.
    private readonly ConcurrentDictionary<string, string> _served = new(StringComparer.Ordinal);

    /// <summary>The bot behind a webhook path, as its claim has it (the same on every node, at once), or as a signal through
    /// it here learned it (<see cref="Served"/>).</summary>
    public async ValueTask<string?> BotIdAsync(string path, CancellationToken cancellationToken) =>
        _served.TryGetValue(path, out var botId) ? botId : await claims.OwnerAsync(ClaimKeys.WebhookPath(path), cancellationToken);

    /// <summary>
    /// The bot of <paramref name="path"/> has accepted a signal through it. Its later signals then go to the bot at once, in
    /// the order they arrive, without a round trip to the path's claim: one that two requests in flight for one bot would
    /// each take, and could finish in either order. Exact, not a guess: a path's owner never changes once its bot exists
    /// (a path is freed only when its bot's creation failed). Learned from the claim at each node's first signal.
    /// </summary>
    public void Served(string path, string botId) => _served.TryAdd(path, botId);
}
