using System.Text;
using static ActorTrading.Trading.SubscriptionEvents;

namespace ActorTrading.Trading.Tests;

/// <summary>Events earlier versions stored, as they are in users' journals, still replay.</summary>
public sealed class SubscriptionUpcasterSpecs
{
    // Exactly what an earlier version wrote for a plan stored before its orders, and for an order confirmed on its own.
    private const string OldPlan = """
        {"received":{"signal_id":"sig-1","bot_id":"bot-1","signal":{"ticker":"BTCUSDT","action":"Buy","alert_price":null,"alert_id":null,"sent_at":null},
         "accepted_at":"2026-11-01T12:00:00+00:00","bot_defaults":{"leverage":10,"margin_usd":100,"stop_loss_pct":2,"take_profit_pct":4},
         "time_to_live":"00:01:00","at":"2026-11-01T12:00:01+00:00"},
         "plan":{"signal_id":"sig-1","symbol":"BTCUSDT","legs":[{"leg":0,"leg_name":"open","side":"Buy","quantity":0.02,"reduce_only":false,"client_order_id":"s-1-open"}],
         "parameters":{"leverage":10,"margin_usd":100,"stop_loss_pct":2,"take_profit_pct":4},"skip_reason":null}}
        """;

    private const string OldConfirmation = """
        {"signal_id":"sig-1","leg":0,"client_order_id":"s-1-open","exchange_order_id":"x-1","executed_quantity":0.02,"average_price":50000}
        """;

    private const string OldFailedOutcome = """
        {"signal_id":"sig-1","bot_id":"bot-1","status":"Failed","reason":"no confirmation","exchange_order_id":null,"price":null,"quantity":null,
         "elapsed_ms":12,"at":"2026-11-01T12:00:02+00:00"}
        """;

    [Fact]
    public void A_plan_and_a_confirmation_stored_by_an_earlier_version_replay_as_the_signal_in_flight()
    {
        var serializer = TradingSerializer.Create();
        var state = SubscriptionState.Empty
            .Apply(serializer.Deserialize("subscription.signal-planned.v1", Encoding.UTF8.GetBytes(OldPlan)))
            .Apply(serializer.Deserialize("subscription.order-confirmed.v1", Encoding.UTF8.GetBytes(OldConfirmation)));

        var inFlight = state.InFlight.ShouldNotBeNull();
        inFlight.Received.SignalId.ShouldBe("sig-1");
        inFlight.Plan.ShouldNotBeNull().Legs.Single().ClientOrderId.ShouldBe("s-1-open");
        inFlight.Confirmed[0].ExchangeOrderId.ShouldBe("x-1");

        state = state.Apply(serializer.Deserialize("subscription.signal-completed.v1", Encoding.UTF8.GetBytes(OldFailedOutcome)));
        state.InFlight.ShouldBeNull();
        state.Completed["sig-1"].Status.ShouldBe(ExecutionStatus.Failed);
    }

    [Fact]
    public void The_steps_of_a_signal_are_read_but_never_written_again()
    {
        var serializer = TradingSerializer.Create();
        var plan = (SignalPlanned)serializer.Deserialize("subscription.signal-planned.v1", Encoding.UTF8.GetBytes(OldPlan));

        Should.Throw<Exception>(() => serializer.Serialize(plan));
        Should.Throw<Exception>(() => serializer.Serialize(plan.Received));
        serializer.KnownManifests.ShouldContain("subscription.signal-received.v1");
        serializer.KnownManifests.ShouldContain("subscription.orders-planned.v1");
    }
}
