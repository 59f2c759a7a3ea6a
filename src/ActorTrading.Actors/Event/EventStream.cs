using System.Collections.Immutable;

namespace ActorTrading.Actors;

/// <summary>
/// The system's publish-subscribe bus: dead letters, unhandled messages and log events go here, and
/// so can any event an application wants to broadcast locally. A subscriber receives every published
/// event that is an instance of the channel type it subscribed to.
/// </summary>
public sealed class EventStream
{
    private ImmutableArray<(Type Channel, IActorRef Subscriber)> _subscriptions = [];

    /// <summary>Subscribes; false when the same subscription already exists.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        while (true)
        {
            var current = _subscriptions;
            if (current.Contains((channel, subscriber)))
            {
                return false;
            }

            if (ImmutableInterlocked.InterlockedCompareExchange(ref _subscriptions, current.Add((channel, subscriber)), current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Removes the subscriber from one channel, or from all channels when <paramref name="channel"/> is null.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type? channel = null)
    {
        while (true)
        {
            var current = _subscriptions;
            var next = current.RemoveAll(s => s.Subscriber.Equals(subscriber) && (channel is null || s.Channel == channel));
            if (next.Length == current.Length)
            {
                return false;
            }

            if (ImmutableInterlocked.InterlockedCompareExchange(ref _subscriptions, next, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Tells <paramref name="event"/> to every subscriber of a matching channel.</summary>
    public void Publish(object @event)
    {
        foreach (var (channel, subscriber) in _subscriptions)
        {
            if (!channel.IsInstanceOfType(@event))
            {
                continue;
            }

            // A stopped subscriber would turn the event into a dead letter, published here again.
            if (subscriber is IInternalActorRef { IsTerminated: true })
            {
                Unsubscribe(subscriber);
                continue;
            }

            subscriber.Tell(@event, null);
        }
    }
}
