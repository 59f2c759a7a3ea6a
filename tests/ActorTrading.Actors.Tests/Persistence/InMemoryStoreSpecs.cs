using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.TestKit.Persistence;

namespace ActorTrading.Actors.Tests.Persistence;

public sealed class InMemoryJournalSpecs : JournalSpec
{
    protected override Task<IJournal> CreateJournalAsync() => Task.FromResult<IJournal>(new InMemoryJournal());
}

public sealed class InMemorySnapshotStoreSpecs : SnapshotStoreSpec
{
    protected override Task<ISnapshotStore> CreateSnapshotStoreAsync() => Task.FromResult<ISnapshotStore>(new InMemorySnapshotStore());
}
