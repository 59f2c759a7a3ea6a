using System.Globalization;

namespace ActorTrading.Persistence.CrashTests;

/// <summary>What the journal holds for each entity, and the checks every store must pass after a crash or an outage.</summary>
internal sealed class JournalAudit
{
    private JournalAudit(IReadOnlyDictionary<string, IReadOnlyList<Persistent>> events, IReadOnlyDictionary<string, long> highest)
    {
        Events = events;
        Highest = highest;
    }

    /// <summary>The stored events of each entity, in the order replay gives them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Persistent>> Events { get; }

    /// <summary>The highest sequence number the journal reports for each entity.</summary>
    public IReadOnlyDictionary<string, long> Highest { get; }

    public static async Task<JournalAudit> ReadAsync(IJournal journal, IEnumerable<string> persistenceIds)
    {
        var events = new Dictionary<string, IReadOnlyList<Persistent>>(StringComparer.Ordinal);
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var id in persistenceIds)
        {
            var replayed = new List<Persistent>();
            await journal.ReplayMessagesAsync(id, 1, long.MaxValue, long.MaxValue, replayed.Add);
            events[id] = replayed;
            highest[id] = await journal.ReadHighestSequenceNrAsync(id);
        }

        return new JournalAudit(events, highest);
    }

    /// <summary>
    /// Every entity's history is 1..max without a gap, max is even, and events alternate first half n,
    /// second half n: no atomic write was stored in part. Returns one line per violation.
    /// </summary>
    public IReadOnlyList<string> WholePairsWithoutGaps()
    {
        var problems = new List<string>();
        foreach (var (id, events) in Events)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var expectedSequenceNr = i + 1L;
                var pair = (i / 2) + 1L;
                object expected = i % 2 == 0 ? new FirstHalf(pair) : new SecondHalf(pair);
                if (events[i].SequenceNr != expectedSequenceNr || !expected.Equals(events[i].Payload))
                {
                    problems.Add($"{id}: at position {expectedSequenceNr} found #{events[i].SequenceNr} {events[i].Payload}, expected #{expectedSequenceNr} {expected}");
                    break;
                }
            }

            if (events.Count % 2 != 0)
            {
                problems.Add($"{id}: {events.Count} events, half of an atomic pair is stored");
            }

            if (Highest[id] != events.Count)
            {
                problems.Add($"{id}: highest sequence number {Highest[id]} but {events.Count} events replayed");
            }
        }

        return problems;
    }

    /// <summary>Acknowledged pairs that are not in the journal, one line each.</summary>
    public IReadOnlyList<string> MissingAcknowledged(IEnumerable<Ack> acks)
    {
        var stored = Events.SelectMany(e => e.Value.Select(p => (p.PersistenceId, p.SequenceNr))).ToHashSet();
        return [.. acks
            .Where(a => !stored.Contains((a.PersistenceId, a.SequenceNr)))
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.PersistenceId} #{a.SequenceNr} was acknowledged but is not stored"))];
    }
}
