using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Postgres;
using ActorTrading.Persistence.Tests;

namespace ActorTrading.Cluster.Postgres.Tests;

/// <summary>Shard leases with epochs (issue 17, CLUSTER.md): acquire, takeover only from a member that is not live, the
/// fence on the old owner's journal writes, graceful release.</summary>
public sealed class ShardLeaseSpecs : ClusterDatabase
{
    private static AtomicWrite Write(string id, long sequenceNr, WriterLease lease) =>
        new([new Persistent(new Counter((int)sequenceNr), id, sequenceNr, "w", DateTimeOffset.UnixEpoch.AddDays(1), new HashSet<string>())]) { Lease = lease };

    [Fact]
    public async Task An_up_member_acquires_a_free_shard_at_epoch_one_and_asking_again_returns_the_same_lease()
    {
        var member = await Members.JoinAsync(Node(9001));

        var lease = await Leases.TryAcquireAsync("bot", 3, member.Incarnation);

        lease.ShouldBe(new WriterLease("bot", 3, member.Incarnation, 1));
        (await Leases.TryAcquireAsync("bot", 3, member.Incarnation)).ShouldBe(lease);
        (await Leases.ReadLeasesAsync("bot")).ShouldBe([new ShardLease("bot", 3, member.Incarnation, 1, "active")]);
        (await Leases.ReadLeasesOwnedByAsync(member.Incarnation)).Count.ShouldBe(1);
        (await Leases.ReadHistoryAsync("bot", 3)).Select(h => (h.Epoch, h.OwnerIncarnation, h.Reason)).ShouldBe([(1L, (long?)member.Incarnation, "allocate")]);
    }

    [Fact]
    public async Task A_member_that_is_not_up_acquires_nothing()
    {
        var member = await Members.JoinAsync(Node(9001));
        await Members.LeaveAsync(member.Incarnation);

        (await Leases.TryAcquireAsync("bot", 3, member.Incarnation)).ShouldBeNull();
        (await Leases.TryAcquireAsync("bot", 3, 424242)).ShouldBeNull();
    }

    [Fact]
    public async Task A_dead_members_shards_are_taken_over_at_the_next_epoch_only_after_its_lease_expired_and_its_writes_are_fenced()
    {
        await using var journal = await PostgresJournal.OpenAsync(new PostgresStoreSettings { ConnectionString = Database.ConnectionString }, TestSerializer.Create());
        var dead = await Members.JoinAsync(Node(9001));
        var survivor = await Members.JoinAsync(Node(9002));
        var old = await Leases.TryAcquireAsync("subscription", 5, dead.Incarnation);
        old.ShouldNotBeNull();
        (await journal.WriteMessagesAsync([Write("s-1", 1, old)])).Single().ShouldBeNull();

        // The owner is live: never taken while its lease runs.
        (await Leases.TryAcquireAsync("subscription", 5, survivor.Incarnation)).ShouldBeNull();

        WriterLease? taken = null;
        await Eventually.HoldsAsync(async () =>
        {
            await Members.HeartbeatAsync(survivor.Incarnation);
            await Members.DownExpiredAsync();
            taken = await Leases.TryAcquireAsync("subscription", 5, survivor.Incarnation);
            return taken is not null;
        }, "the survivor to take the shard over", Limit);

        taken.ShouldBe(new WriterLease("subscription", 5, survivor.Incarnation, old.Epoch + 1));
        taken.ShouldNotBeNull();
        await Members.DownExpiredAsync(); // the takeover may have come a moment before anyone downed it
        (await MemberAsync(dead.Incarnation)).Status.ShouldBe(MemberStatus.Down);
        var history = await Leases.ReadHistoryAsync("subscription", 5);
        history.Select(h => (h.Epoch, h.OwnerIncarnation, h.Reason)).ShouldBe([(1L, (long?)dead.Incarnation, "allocate"), (2L, (long?)survivor.Incarnation, "takeover")]);
        var expired = (await MemberAsync(dead.Incarnation)).LeaseExpiresAt;
        history[1].At.ShouldBeGreaterThan(expired); // judged by the database clock: never before the lease ran out

        // The zombie's next write under its old epoch is refused by the database; the new owner's goes in.
        var fenced = (await journal.WriteMessagesAsync([Write("s-1", 2, old)])).Single().ShouldBeOfType<JournalFencedException>();
        fenced.Lease.ShouldBe(old);
        (await journal.WriteMessagesAsync([Write("s-1", 2, taken)])).Single().ShouldBeNull();
    }

    [Fact]
    public async Task A_released_shard_is_acquired_by_another_member_and_the_old_lease_can_neither_release_nor_write()
    {
        await using var journal = await PostgresJournal.OpenAsync(new PostgresStoreSettings { ConnectionString = Database.ConnectionString }, TestSerializer.Create());
        var leaving = await Members.JoinAsync(Node(9001));
        var other = await Members.JoinAsync(Node(9002));
        var lease = await Leases.TryAcquireAsync("bot", 8, leaving.Incarnation);
        lease.ShouldNotBeNull();
        (await Leases.TryAcquireAsync("bot", 8, other.Incarnation)).ShouldBeNull();

        (await Leases.ReleaseAsync(lease)).ShouldBeTrue();
        (await Leases.ReleaseAsync(lease)).ShouldBeFalse();
        (await Leases.ReadLeasesAsync("bot")).ShouldBe([new ShardLease("bot", 8, null, 2, "unallocated")]);

        var next = await Leases.TryAcquireAsync("bot", 8, other.Incarnation);

        next.ShouldBe(new WriterLease("bot", 8, other.Incarnation, 3));
        (await Leases.ReadHistoryAsync("bot", 8)).Select(h => h.Reason).ShouldBe(["allocate", "hand-off", "allocate"]);
        (await journal.WriteMessagesAsync([Write("b-1", 1, lease)])).Single().ShouldBeOfType<JournalFencedException>();
        (await Leases.ReadLeasesOwnedByAsync(leaving.Incarnation)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_writer_lease_source_returns_the_granted_epoch_and_refuses_a_shard_another_member_holds()
    {
        var owner = await Members.JoinAsync(Node(9001));
        var other = await Members.JoinAsync(Node(9002));
        var mine = new ClusterWriterLeaseSource(Leases, owner.Incarnation);
        var theirs = new ClusterWriterLeaseSource(Leases, other.Incarnation);

        (await mine.AcquireAsync("bot", 1)).ShouldBe(new WriterLease("bot", 1, owner.Incarnation, 1));

        var refused = await Should.ThrowAsync<ShardLeaseRefusedException>(async () => await theirs.AcquireAsync("bot", 1));
        refused.Message.ShouldContain("bot/1");
        refused.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task A_single_node_journal_keeps_granting_itself_leases_beside_the_cluster_tables()
    {
        await using var journal = await PostgresJournal.OpenAsync(new PostgresStoreSettings { ConnectionString = Database.ConnectionString }, TestSerializer.Create());
        var member = await Members.JoinAsync(Node(9001));

        var local = await journal.AcquireAsync("bot", 2);

        local.Incarnation.ShouldNotBe(member.Incarnation); // one sequence for both: an incarnation never names two
        (await journal.WriteMessagesAsync([Write("b-2", 1, local)])).Single().ShouldBeNull();
    }
}
