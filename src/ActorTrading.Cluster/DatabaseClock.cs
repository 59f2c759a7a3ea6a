namespace ActorTrading.Cluster;

/// <summary>
/// This node's wall clock corrected to PostgreSQL's (CLUSTER.md, scenario 4): <see cref="GetUtcNow"/> is the local clock plus
/// the offset last measured against the database's <c>now()</c>, so that what entities stamp and compare across nodes (a
/// signal's acceptance, its time-to-live, journal timestamps) agrees on every node whatever their clocks say. The monotonic
/// clock (<see cref="GetTimestamp"/>) and timers are the local ones, untouched: deadlines never move with a correction.
/// </summary>
/// <remarks>An observation is the database's <c>now()</c> and the monotonic timestamps just before the statement was sent
/// and just after its answer came; the database read its clock somewhere in between, so the offset is taken at the
/// midpoint, within half the round trip. A round trip longer than <see cref="MaxRoundTrip"/> (a stalled connection) says too
/// little and is ignored.</remarks>
public sealed class DatabaseClock : TimeProvider
{
    /// <summary>The longest round trip whose observation is used.</summary>
    public static readonly TimeSpan MaxRoundTrip = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _local;
    private long _offsetTicks;

    /// <summary>A clock that reads <paramref name="local"/> (the host's clock: <see cref="TimeProvider.System"/>) and corrects it
    /// by the offset observed since.</summary>
    public DatabaseClock(TimeProvider local)
    {
        ArgumentNullException.ThrowIfNull(local);
        _local = local;
    }

    /// <summary>How far the database's clock is ahead of the local one, as last observed (zero before any observation).</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => _local.LocalTimeZone;

    /// <inheritdoc/>
    public override long TimestampFrequency => _local.TimestampFrequency;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _local.GetUtcNow() + Offset;

    /// <inheritdoc/>
    public override long GetTimestamp() => _local.GetTimestamp();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _local.CreateTimer(callback, state, dueTime, period);

    /// <summary>Takes the offset from one reading of the database's clock: <paramref name="databaseNow"/>, read by a statement
    /// sent at <paramref name="sent"/> and answered at <paramref name="received"/> (both <see cref="GetTimestamp"/>).</summary>
    /// <returns>Whether the observation was used (false when its round trip was longer than <see cref="MaxRoundTrip"/>).</returns>
    public bool Observe(DateTimeOffset databaseNow, long sent, long received)
    {
        var roundTrip = _local.GetElapsedTime(sent, received);
        if (roundTrip < TimeSpan.Zero || roundTrip > MaxRoundTrip)
        {
            return false;
        }

        // The local wall clock at the midpoint of the round trip: now, less the half of it that has passed since.
        var localAtMidpoint = _local.GetUtcNow() - _local.GetElapsedTime(received) - (roundTrip / 2);
        Interlocked.Exchange(ref _offsetTicks, (databaseNow - localAtMidpoint).Ticks);
        return true;
    }
}
