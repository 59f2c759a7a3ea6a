namespace ActorTrading.Domain;

/// <summary>Invariant I7: a stale signal is not traded (pure).</summary>
public static class SignalFreshness
{
    /// <summary>Whether a signal accepted at <paramref name="acceptedAt"/> (the ingress's clock, never the sender's)
    /// is older than <paramref name="timeToLive"/> at <paramref name="now"/>.</summary>
    public static bool IsStale(DateTimeOffset acceptedAt, DateTimeOffset now, TimeSpan timeToLive) => now - acceptedAt > timeToLive;

    /// <summary>The skip reason for a stale signal.</summary>
    public static string Reason(DateTimeOffset acceptedAt, DateTimeOffset now, TimeSpan timeToLive) =>
        $"stale signal: {(now - acceptedAt).TotalSeconds:0.#} s old, time-to-live {timeToLive.TotalSeconds:0.#} s";
}
