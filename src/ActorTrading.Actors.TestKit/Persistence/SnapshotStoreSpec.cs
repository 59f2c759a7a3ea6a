using ActorTrading.Actors.Persistence;
using Shouldly;
using Xunit;

#pragma warning disable CS1591 // A spec's test names are its documentation.

namespace ActorTrading.Actors.TestKit.Persistence;

/// <summary>The snapshot store contract as tests; every store inherits it unchanged.</summary>
public abstract class SnapshotStoreSpec
{
    /// <summary>An empty snapshot store owned by this test.</summary>
    protected abstract Task<ISnapshotStore> CreateSnapshotStoreAsync();

    private static SnapshotMetadata Meta(string id, long sequenceNr) => new(id, sequenceNr, DateTimeOffset.UnixEpoch.AddMinutes(sequenceNr));

    [Fact]
    public async Task Snapshot_store_loads_the_newest_snapshot_that_matches()
    {
        var store = await CreateSnapshotStoreAsync();
        var id = "snap-" + Guid.NewGuid().ToString("N");
        await store.SaveAsync(Meta(id, 10), "state-10");
        await store.SaveAsync(Meta(id, 20), "state-20");

        (await store.LoadAsync(id, SnapshotSelectionCriteria.Latest))!.Snapshot.ShouldBe("state-20");
        (await store.LoadAsync(id, new SnapshotSelectionCriteria(15, DateTimeOffset.MaxValue)))!.Metadata.SequenceNr.ShouldBe(10);
        (await store.LoadAsync(id, SnapshotSelectionCriteria.None)).ShouldBeNull();
        (await store.LoadAsync("snap-nobody", SnapshotSelectionCriteria.Latest)).ShouldBeNull();
    }

    [Fact]
    public async Task Snapshot_store_replaces_a_snapshot_at_the_same_sequence_number_and_deletes_by_criteria()
    {
        var store = await CreateSnapshotStoreAsync();
        var id = "snap-" + Guid.NewGuid().ToString("N");
        await store.SaveAsync(Meta(id, 10), "first");
        await store.SaveAsync(Meta(id, 10), "second");
        (await store.LoadAsync(id, SnapshotSelectionCriteria.Latest))!.Snapshot.ShouldBe("second");

        await store.SaveAsync(Meta(id, 20), "later");
        await store.DeleteAsync(id, new SnapshotSelectionCriteria(15, DateTimeOffset.MaxValue));
        (await store.LoadAsync(id, new SnapshotSelectionCriteria(15, DateTimeOffset.MaxValue))).ShouldBeNull();
        (await store.LoadAsync(id, SnapshotSelectionCriteria.Latest))!.Snapshot.ShouldBe("later");
    }
}
