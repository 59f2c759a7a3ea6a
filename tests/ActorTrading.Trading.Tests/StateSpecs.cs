using static ActorTrading.Trading.BotEvents;
using static ActorTrading.Trading.SubscriptionEvents;

namespace ActorTrading.Trading.Tests;

/// <summary>The folds of bot and subscription events: what each remembers, and for how long.</summary>
public sealed class StateSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TradingParameters Defaults = new(10, 100m, 2m, 4m);

    [Fact]
    public void A_bot_counts_its_signals_and_knows_the_oldest_one_still_waiting_for_receipts()
    {
        var state = BotState.Empty.Apply(new BotCreated("b", "b", "", "futures", "p", "hash", Defaults, TimeSpan.FromMinutes(1), T0));
        state.PendingFrom.ShouldBe(1);

        state = state.Apply(Accepted("s1")).Apply(Accepted("s2")).Apply(Accepted("s3"));
        state.PendingFanOuts.Values.Select(p => p.Number).Order().ShouldBe([1L, 2L, 3L]);

        state = state.Apply(new FanOutCompleted("s1", T0)).Apply(new FanOutCompleted("s3", T0));
        state.PendingFrom.ShouldBe(2);

        state = state.Apply(new FanOutCompleted("s2", T0));
        state.PendingFrom.ShouldBe(4);
    }

    [Fact]
    public void A_signal_that_timed_out_waits_only_for_its_silent_subscribers()
    {
        var state = BotState.Empty.Apply(Accepted("s1")).Apply(Accepted("s2")).Apply(new FanOutCompleted("s2", T0));
        state.PendingFrom.ShouldBe(1);

        state = state.Apply(new FanOutTimedOut("s1", ["mute"], 3_600_000, T0.AddHours(1)));
        state.PendingFanOuts["s1"].ShouldSatisfyAllConditions(p => p.TimedOut.ShouldBeTrue(), p => p.Subscribers.ShouldBe(["mute"]));
        state.PendingFrom.ShouldBe(3);
        state.PendingFromFor("mute", state.PendingFrom).ShouldBe(1);
        state.PendingFromFor("healthy", state.PendingFrom).ShouldBe(3);

        state = state.Apply(new FanOutCompleted("s1", T0.AddHours(2)));
        state.PendingFanOuts.ShouldBeEmpty();
    }

    [Fact]
    public void A_bot_remembers_an_alert_id_for_a_day_then_forgets_it_in_a_sweep()
    {
        var state = BotState.Empty.Apply(Accepted("first", "alert-1", T0));
        state.SignalIdByAlertId["alert-1"].SignalId.ShouldBe("first");

        // 62 more alerts within the day; the 64th remembered id triggers a sweep that keeps all of them.
        for (var i = 0; i < 63; i++)
        {
            state = state.Apply(Accepted($"s{i}", $"a{i}", T0.AddHours(1)));
        }

        state.SignalIdByAlertId.ShouldContainKey("alert-1");

        // A day and more later, the next sweep drops the first alert (and only it).
        for (var i = 63; i < 127; i++)
        {
            state = state.Apply(Accepted($"s{i}", $"a{i}", T0.AddHours(24.5)));
        }

        state.SignalIdByAlertId.ShouldNotContainKey("alert-1");
        state.SignalIdByAlertId.ShouldContainKey("a0");
    }

    [Fact]
    public void A_subscription_forgets_outcomes_of_signals_the_bot_has_every_receipt_for_and_keeps_those_of_earlier_versions()
    {
        var state = SubscriptionState.Empty
            .Apply(Completed("legacy", number: null, pendingFrom: null))
            .Apply(Completed("s1", number: 1, pendingFrom: 1))
            .Apply(Completed("s2", number: 2, pendingFrom: 1));
        state.Completed.Keys.Order().ShouldBe(["legacy", "s1", "s2"]);

        // Signal 4 went out when signals 1 and 2 had all their receipts (3 had not).
        state = state.Apply(Completed("s4", number: 4, pendingFrom: 3));
        state.Completed.Keys.Order().ShouldBe(["legacy", "s4"]);
        state.Statistics.SignalsReceived.ShouldBe(4);
    }

    [Fact]
    public void A_subscription_remembers_per_symbol_whose_protection_may_be_open_until_an_outcome_says_otherwise()
    {
        var state = SubscriptionState.Empty
            .Apply(Completed("s1", 1, 1) with { Protection = new PositionProtection("BTCUSDT", ["s1"]) })
            .Apply(Completed("s2", 2, 1) with { Protection = new PositionProtection("ETHUSDT", ["s2"]) });
        state.ProtectedBy.Keys.Order().ShouldBe(["BTCUSDT", "ETHUSDT"]);
        state.ProtectedBy["BTCUSDT"].ShouldBe(["s1"]);

        // An outcome that did not touch the position (skipped, or of an earlier version) changes nothing; a close clears it.
        state = state.Apply(Completed("s3", 3, 1)).Apply(Completed("s4", 4, 1) with { Protection = new PositionProtection("BTCUSDT", []) });
        state.ProtectedBy.Keys.ShouldBe(["ETHUSDT"]);
        state.ProtectedBy["ETHUSDT"].ShouldBe(["s2"]);
    }

    private static SignalAccepted Accepted(string signalId, string? alertId = null, DateTimeOffset? at = null) =>
        new(signalId, new Signal("BTCUSDT", SignalAction.Buy, null, alertId, null), at ?? T0, 0);

    private static SignalCompleted Completed(string signalId, long? number, long? pendingFrom) =>
        new(signalId, "b", ExecutionStatus.Executed, null, "1", 64_000m, 0.015m, 5, T0, null, number, pendingFrom);
}
