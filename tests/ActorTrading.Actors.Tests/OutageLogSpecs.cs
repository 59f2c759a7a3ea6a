using ActorTrading.Actors.Event;

namespace ActorTrading.Actors.Tests;

public sealed class OutageLogSpecs
{
    [Fact]
    public void An_outage_is_reported_in_full_once_then_as_one_count_per_interval_and_its_end_once()
    {
        var time = new ManualTime();
        var log = new OutageLog(time, TimeSpan.FromMinutes(1));

        log.Succeeded().ShouldBeNull("no outage yet");
        log.Failed().ShouldBe((OutageReport.First, 1));
        for (var second = 1; second < 60; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            log.Failed().Report.ShouldBe(OutageReport.Quiet, $"second {second}");
        }

        time.Advance(TimeSpan.FromSeconds(1));
        log.Failed().ShouldBe((OutageReport.Summary, 60), "the 59 quiet failures and this one");
        time.Advance(TimeSpan.FromSeconds(1));
        log.Failed().ShouldBe((OutageReport.Quiet, 1));

        time.Advance(TimeSpan.FromSeconds(9));
        log.Succeeded().ShouldBe((62, TimeSpan.FromSeconds(70)));
        log.Succeeded().ShouldBeNull("ended once");
        log.Failed().ShouldBe((OutageReport.First, 1), "a new outage is reported in full again");
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
