namespace ActorTrading.Node;

/// <summary>The host's wall clock moved by <see cref="NodeOptions.TestingClockOffset"/>: a test's stand-in for a host whose
/// clock is wrong (changing the OS clock needs root). Only the wall clock moves; timestamps and timers are the host's, as a
/// wrong wall clock leaves the monotonic one alone.</summary>
internal sealed class ShiftedClock(TimeProvider host, TimeSpan offset) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => host.LocalTimeZone;

    public override long TimestampFrequency => host.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => host.GetUtcNow() + offset;

    public override long GetTimestamp() => host.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        host.CreateTimer(callback, state, dueTime, period);

    /// <summary>The node's wall clock: the host's, shifted when <paramref name="offset"/> is not zero.</summary>
    public static TimeProvider For(TimeSpan offset) => offset == TimeSpan.Zero ? System : new ShiftedClock(System, offset);
}
