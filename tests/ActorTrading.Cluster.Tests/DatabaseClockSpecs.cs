using Microsoft.Extensions.Time.Testing;

namespace ActorTrading.Cluster.Tests;

/// <summary>The node's wall clock corrected to the database's (CLUSTER.md, scenario 4): the offset is taken at the midpoint
/// of the round trip that read the database's <c>now()</c>; the monotonic clock and timers are never corrected.</summary>
public sealed class DatabaseClockSpecs
{
    private static readonly DateTimeOffset HostNow = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _host = new(HostNow);

    [Fact]
    public void Before_any_observation_it_reads_the_host_clock()
    {
        var clock = new DatabaseClock(_host);

        clock.GetUtcNow().ShouldBe(HostNow);
        clock.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void A_host_ten_minutes_ahead_reads_the_database_time_taken_at_the_midpoint_of_the_round_trip()
    {
        var clock = new DatabaseClock(_host);
        var sent = clock.GetTimestamp();
        _host.Advance(TimeSpan.FromMilliseconds(40));
        var received = clock.GetTimestamp();
        // The database read its clock 20 ms after the host sent the statement, and is ten minutes behind the host.
        var databaseNow = HostNow + TimeSpan.FromMilliseconds(20) - TimeSpan.FromMinutes(10);

        clock.Observe(databaseNow, sent, received).ShouldBeTrue();

        clock.Offset.ShouldBe(TimeSpan.FromMinutes(-10));
        clock.GetUtcNow().ShouldBe(_host.GetUtcNow() - TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void The_monotonic_clock_and_timers_stay_the_hosts()
    {
        var clock = new DatabaseClock(_host);
        var before = clock.GetTimestamp();
        clock.Observe(HostNow + TimeSpan.FromHours(1), before, before).ShouldBeTrue();
        var fired = false;
        using var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        _host.Advance(TimeSpan.FromSeconds(1));

        fired.ShouldBeTrue("a timer runs on the host's clock, an hour's correction does not fire it early or late");
        clock.GetElapsedTime(before).ShouldBe(TimeSpan.FromSeconds(1));
        clock.TimestampFrequency.ShouldBe(_host.TimestampFrequency);
    }

    [Fact]
    public void An_observation_with_a_round_trip_longer_than_a_second_is_ignored()
    {
        var clock = new DatabaseClock(_host);
        var sent = clock.GetTimestamp();
        _host.Advance(TimeSpan.FromSeconds(2));

        clock.Observe(HostNow + TimeSpan.FromMinutes(5), sent, clock.GetTimestamp()).ShouldBeFalse();

        clock.Offset.ShouldBe(TimeSpan.Zero);
    }
}
