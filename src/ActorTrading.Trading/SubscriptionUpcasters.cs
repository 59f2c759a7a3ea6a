using ActorTrading.Persistence;

namespace ActorTrading.Trading;

/// <summary>
/// The one place that reads what earlier versions of the subscription stored and the entity no longer writes: the steps of
/// a signal before its outcome (<c>SignalReceived</c>, <c>OrdersPlanned</c>, <c>OrderConfirmed</c>, <c>SignalPlanned</c>).
/// They are in users' journals and must replay (<see cref="SubscriptionState"/> folds them into the signal in flight), so
/// their records and stored names never change; registered as readers only, so nothing can write them again.
/// </summary>
public static class SubscriptionUpcasters
{
    /// <summary>Registers the readers of the subscription's old events.</summary>
    public static EventSerializer.Builder Register(EventSerializer.Builder builder) => builder
        .AddLegacy("subscription.signal-received", 1, TradingJsonContext.Default.SignalReceived, AsIs)
        .AddLegacy("subscription.orders-planned", 1, TradingJsonContext.Default.OrdersPlanned, AsIs)
        .AddLegacy("subscription.order-confirmed", 1, TradingJsonContext.Default.OrderConfirmed, AsIs)
        .AddLegacy("subscription.signal-planned", 1, TradingJsonContext.Default.SignalPlanned, AsIs);

    // Today's fold still reads these shapes; an upcast to another record goes here when the fold stops reading one.
    private static object AsIs<T>(T @event)
        where T : notnull => @event;
}
