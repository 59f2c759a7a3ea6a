using ActorTrading.Actors.Persistence;
using Shouldly;
using Xunit;

#pragma warning disable CS1591 // A spec's test names are its documentation.

namespace ActorTrading.Actors.TestKit.Persistence;

/// <summary>
/// The journal contract (see <see cref="IJournal"/>) as tests. Every store inherits this suite unchanged
/// and only says how to make a fresh, empty journal.
/// </summary>
public abstract class JournalSpec
{
    private static readonly IReadOnlySet<string> NoTags = new HashSet<string>();

    /// <summary>A journal with no events, owned by this test.</summary>
    protected abstract Task<IJournal> CreateJournalAsync();

    /// <summary>A persistence id no other test uses.</summary>
    protected static string NewId() => "spec-" + Guid.NewGuid().ToString("N");

    /// <summary>An event of <paramref name="persistenceId"/>.</summary>
    protected static Persistent Event(string persistenceId, long sequenceNr, object? payload = null, IReadOnlySet<string>? tags = null) =>
        new(payload ?? $"event-{sequenceNr}", persistenceId, sequenceNr, "writer-1", DateTimeOffset.UnixEpoch.AddSeconds(sequenceNr), tags ?? NoTags);

    private static AtomicWrite Write(string persistenceId, params long[] sequenceNrs) =>
        new([.. sequenceNrs.Select(n => Event(persistenceId, n))]);

    private static async Task<List<Persistent>> ReplayAll(IJournal journal, string persistenceId, long from = 1, long to = long.MaxValue, long max = long.MaxValue)
    {
        var replayed = new List<Persistent>();
        await journal.ReplayMessagesAsync(persistenceId, from, to, max, replayed.Add);
        return replayed;
    }

    [Fact]
    public async Task Journal_replays_written_events_in_sequence_order()
    {
        var journal = await CreateJournalAsync();
        var id = NewId();
        (await journal.WriteMessagesAsync([Write(id, 1, 2), Write(id, 3)])).ShouldAllBe(result => result == null);
        (await journal.WriteMessagesAsync([Write(id, 4)])).ShouldAllBe(result => result == null);

        var replayed = await ReplayAll(journal, id);
        replayed.Select(e => e.SequenceNr).ToArray().ShouldBe(new long[] { 1, 2, 3, 4 });
        replayed.Select(e => e.Payload).ToArray().ShouldBe(new object[] { "event-1", "event-2", "event-3", "event-4" });
        replayed[0].PersistenceId.ShouldBe(id);
        replayed[0].WriterUuid.ShouldBe("writer-1");
        replayed[0].Timestamp.ShouldBe(DateTimeOffset.UnixEpoch.AddSeconds(1));
        (await journal.ReadHighestSequenceNrAsync(id)).ShouldBe(4);
    }

    [Fact]
    public async Task Journal_replays_only_the_requested_range_and_count()
    {
        var journal = await CreateJournalAsync();
        var id = NewId();
        await journal.WriteMessagesAsync([Write(id, 1, 2, 3, 4, 5)]);
        (await ReplayAll(journal, id, from: 2, to: 4)).Select(e => e.SequenceNr).ToArray().ShouldBe(new long[] { 2, 3, 4 });
        (await ReplayAll(journal, id, from: 2, max: 2)).Select(e => e.SequenceNr).ToArray().ShouldBe(new long[] { 2, 3 });
        (await ReplayAll(journal, NewId())).ShouldBeEmpty();
        (await journal.ReadHighestSequenceNrAsync(NewId())).ShouldBe(0);
    }

    [Fact]
    public async Task Journal_fails_a_write_whose_sequence_number_exists_and_stores_none_of_it()
    {
        var journal = await CreateJournalAsync();
        var id = NewId();
        var other = NewId();
        await journal.WriteMessagesAsync([Write(id, 1, 2)]);

        var results = await journal.WriteMessagesAsync([Write(id, 3, 2), Write(other, 1)]);

        results[0].ShouldBeOfType<SequenceNumberConflictException>().SequenceNr.ShouldBe(2);
        results[1].ShouldBeNull();
        (await ReplayAll(journal, id)).Select(e => e.SequenceNr).ToArray().ShouldBe(new long[] { 1, 2 });
        (await ReplayAll(journal, other)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Journal_keeps_the_highest_sequence_number_after_deleting()
    {
        var journal = await CreateJournalAsync();
        var id = NewId();
        await journal.WriteMessagesAsync([Write(id, 1, 2, 3)]);
        await journal.DeleteMessagesToAsync(id, 3);
        (await ReplayAll(journal, id)).ShouldBeEmpty();
        (await journal.ReadHighestSequenceNrAsync(id)).ShouldBe(3);

        // A deleted sequence number is still taken.
        (await journal.WriteMessagesAsync([Write(id, 3)]))[0].ShouldBeOfType<SequenceNumberConflictException>();
        (await journal.WriteMessagesAsync([Write(id, 4)]))[0].ShouldBeNull();
    }

    [Fact]
    public async Task Journal_stores_tags()
    {
        var journal = await CreateJournalAsync();
        var id = NewId();
        await journal.WriteMessagesAsync([new AtomicWrite([Event(id, 1, tags: new HashSet<string> { "bot", "signal" })])]);
        (await ReplayAll(journal, id)).Single().Tags.OrderBy(t => t).ShouldBe(["bot", "signal"]);
    }

    [Fact]
    public async Task Journal_keeps_concurrent_writers_of_different_ids_apart()
    {
        var journal = await CreateJournalAsync();
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToArray();
        await Task.WhenAll(ids.Select(async id =>
        {
            for (var n = 1; n <= 25; n++)
            {
                (await journal.WriteMessagesAsync([Write(id, n)])).ShouldAllBe(result => result == null);
            }
        }));

        foreach (var id in ids)
        {
            (await ReplayAll(journal, id)).Select(e => e.SequenceNr).ToArray().ShouldBe(Enumerable.Range(1, 25).Select(n => (long)n).ToArray());
        }
    }
}
