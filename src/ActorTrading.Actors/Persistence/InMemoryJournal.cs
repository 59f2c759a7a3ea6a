using System.Collections.Concurrent;

namespace ActorTrading.Actors.Persistence;

/// <summary>A journal in process memory, for tests and benchmarks. It keeps the whole contract of <see cref="IJournal"/>.</summary>
public sealed class InMemoryJournal : IJournal
{
    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        var results = new Exception?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var stream = _streams.GetOrAdd(write.PersistenceId, _ => new Stream());
            lock (stream)
            {
                var duplicate = write.Events.FirstOrDefault(e => stream.Events.ContainsKey(e.SequenceNr) || e.SequenceNr <= stream.DeletedTo);
                if (duplicate is not null)
                {
                    results[i] = new SequenceNumberConflictException(write.PersistenceId, duplicate.SequenceNr);
                    continue;
                }

                foreach (var e in write.Events)
                {
                    stream.Events.Add(e.SequenceNr, e);
                    stream.Highest = Math.Max(stream.Highest, e.SequenceNr);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<Exception?>>(results);
    }

    /// <inheritdoc/>
    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken cancellationToken = default)
    {
        if (!_streams.TryGetValue(persistenceId, out var stream))
        {
            return Task.CompletedTask;
        }

        Persistent[] events;
        lock (stream)
        {
            events = [.. stream.Events.Values.Where(e => e.SequenceNr >= fromSequenceNr && e.SequenceNr <= toSequenceNr).Take((int)Math.Min(max, int.MaxValue))];
        }

        foreach (var e in events)
        {
            onReplayed(e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        if (!_streams.TryGetValue(persistenceId, out var stream))
        {
            return Task.FromResult(0L);
        }

        lock (stream)
        {
            return Task.FromResult(stream.Highest);
        }
    }

    /// <inheritdoc/>
    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        if (_streams.TryGetValue(persistenceId, out var stream))
        {
            lock (stream)
            {
                foreach (var sequenceNr in stream.Events.Keys.Where(n => n <= toSequenceNr).ToList())
                {
                    stream.Events.Remove(sequenceNr);
                }

                stream.DeletedTo = Math.Max(stream.DeletedTo, Math.Min(toSequenceNr, stream.Highest));
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Stream
    {
        public SortedList<long, Persistent> Events { get; } = [];

        public long Highest { get; set; }

        public long DeletedTo { get; set; }
    }
}
