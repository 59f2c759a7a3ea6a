namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// The exchange's clock as seen from here: a local offset measured from the venue's server-time endpoint
/// (half the round trip assumed each way), measured again when stale or when the venue says a timestamp
/// fell outside the receive window.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim without a wait handle holds nothing to dispose.")]
internal sealed class ServerClock(TimeProvider time, TimeSpan resyncInterval)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _offsetMs;
    private long _syncedAtTicks = long.MinValue;

    public TimeProvider Time => time;

    /// <summary>Server time minus local time, in milliseconds.</summary>
    public long OffsetMs => Volatile.Read(ref _offsetMs);

    public long LocalNowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The estimated server time now, in Unix milliseconds.</summary>
    public long ServerNowMs => LocalNowMs + OffsetMs;

    public bool IsStale
    {
        get
        {
            var synced = Volatile.Read(ref _syncedAtTicks);
            return synced == long.MinValue || time.GetElapsedTime(synced) >= resyncInterval;
        }
    }

    /// <summary>Measures the offset if it is stale (or always, with <paramref name="force"/>); concurrent callers share one measurement.</summary>
    public async Task EnsureFreshAsync(Func<CancellationToken, Task<long>> fetchServerTimeMs, bool force, CancellationToken cancellationToken)
    {
        if (!force && !IsStale)
        {
            return;
        }

        var before = time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var synced = Volatile.Read(ref _syncedAtTicks);
            if (synced != long.MinValue && synced > before)
            {
                return; // someone measured while we waited
            }

            var sentAt = LocalNowMs;
            var serverMs = await fetchServerTimeMs(cancellationToken);
            var receivedAt = LocalNowMs;
            Volatile.Write(ref _offsetMs, serverMs - ((sentAt + receivedAt) / 2));
            Volatile.Write(ref _syncedAtTicks, time.GetTimestamp());
        }
        finally
        {
            _gate.Release();
        }
    }
}
