using System.Collections.Concurrent;

namespace ActorTrading.Actors.Persistence;

/// <summary>A snapshot store in process memory, for tests and benchmarks.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<string, ImmutableSortedSnapshots> _snapshots = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) =>
        Task.FromResult(_snapshots.TryGetValue(persistenceId, out var snapshots)
            ? snapshots.Items.LastOrDefault(s => criteria.Matches(s.Metadata))
            : null);

    /// <inheritdoc/>
    public Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        _snapshots.AddOrUpdate(
            metadata.PersistenceId,
            _ => new ImmutableSortedSnapshots([new SelectedSnapshot(metadata, snapshot)]),
            (_, existing) => new ImmutableSortedSnapshots(
                [.. existing.Items.Where(s => s.Metadata.SequenceNr != metadata.SequenceNr).Append(new SelectedSnapshot(metadata, snapshot)).OrderBy(s => s.Metadata.SequenceNr)]));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        _snapshots.AddOrUpdate(
            persistenceId,
            _ => new ImmutableSortedSnapshots([]),
            (_, existing) => new ImmutableSortedSnapshots([.. existing.Items.Where(s => !criteria.Matches(s.Metadata))]));
        return Task.CompletedTask;
    }

    private sealed record ImmutableSortedSnapshots(IReadOnlyList<SelectedSnapshot> Items);
}
