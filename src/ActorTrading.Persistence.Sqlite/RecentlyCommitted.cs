using System.Diagnostics;
using ActorTrading.Persistence.Projections;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// The events this process committed last, in commit order, as projections read them: a projection that keeps up reads
/// them from here instead of reading back and deserializing what is still in memory. During a fan-out that was half of
/// the read model's work per outcome, most of it after the last entity had finished.
/// </summary>
/// <remarks>
/// Only committed events come in, in the order of their orderings (the journal's one writer adds them after each commit,
/// before it releases the file's write gate), and only consecutive ones are held: an event that does not follow the last
/// one held (another writer's events in between) starts afresh. A read is served from here only when the event right
/// after the reader's offset is here; otherwise (a reader further behind, events this process did not write) it reads the
/// file. So the events a reader gets are those the file holds, in the same order. Entries go when the capacity
/// (<see cref="SqliteStoreSettings.RecentEventsKept"/>) is reached or after <see cref="TimeToLive"/> (a projection that
/// keeps up has read them long before; an idle node would otherwise hold its last events for nothing).
/// </remarks>
internal sealed class RecentlyCommitted(int capacity)
{
    /// <summary>How long an event is kept once committed.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly ProjectedEvent[] _events = new ProjectedEvent[capacity];
    private readonly long[] _addedAt = new long[capacity];
    private int _first;
    private int _count;

    /// <summary>Adds events just committed, in ordering order.</summary>
    public void Add(IReadOnlyList<ProjectedEvent> committed)
    {
        if (capacity == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            foreach (var @event in committed)
            {
                if (_count > 0 && _events[Index(_count - 1)].Offset.Ordering + 1 != @event.Offset.Ordering)
                {
                    Forget();
                }

                if (_count == capacity)
                {
                    RemoveFirst();
                }

                var index = Index(_count++);
                _events[index] = @event;
                _addedAt[index] = now;
            }
        }
    }

    /// <summary>Up to <paramref name="max"/> events after <paramref name="after"/>, as the file would give them; null when
    /// the next one is not held here.</summary>
    public ProjectionBatch? TryRead(ProjectionOffset after, int max, Func<string, bool> include)
    {
        lock (_lock)
        {
            Expire();
            if (_count == 0)
            {
                return null;
            }

            var start = after.Ordering + 1 - _events[_first].Offset.Ordering;
            if (start < 0 || start >= _count)
            {
                return null;
            }

            var events = new List<ProjectedEvent>();
            var read = 0;
            ProjectedEvent? last = null;
            for (var i = (int)start; i < _count && read < max; i++)
            {
                var @event = _events[Index(i)];
                read++;
                last = @event;
                if (include(@event.Manifest))
                {
                    events.Add(@event);
                }
            }

            return new ProjectionBatch(events, read, last!.Offset, last.Timestamp);
        }
    }

    private void Forget()
    {
        Array.Clear(_events);
        (_first, _count) = (0, 0);
    }

    private int Index(int position) => (_first + position) % capacity;

    private void RemoveFirst()
    {
        _events[_first] = null!;
        _first = (_first + 1) % capacity;
        _count--;
    }

    private void Expire()
    {
        var now = Stopwatch.GetTimestamp();
        while (_count > 0 && Stopwatch.GetElapsedTime(_addedAt[_first], now) > TimeToLive)
        {
            RemoveFirst();
        }
    }
}
