using Microsoft.Extensions.Time.Testing;

namespace ActorTrading.Cluster.Tests;

/// <summary>The fail-stop member lease (issue 17): renewals every heartbeat, a local deadline a margin before the TTL on
/// the monotonic clock, "downed" when the database no longer has the incarnation. The clock is a FakeTimeProvider, so
/// every timer fires inside <c>Advance</c> and nothing waits on real time.</summary>
public sealed class MemberLeaseKeeperSpecs : IAsyncDisposable
{
    private static readonly ClusterSettings Settings = new(); // 1 s heartbeat, 3 s TTL, 0.5 s margin: deadline 2.5 s
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedRenewer _renewer = new();
    private readonly List<MemberLeaseChange> _changes = [];
    private readonly MemberLeaseKeeper _keeper;

    public MemberLeaseKeeperSpecs()
    {
        _keeper = new MemberLeaseKeeper(_renewer, Settings, _time);
        _keeper.Changed += change => { lock (_changes) { _changes.Add(change); } };
        _keeper.Start(_time.GetTimestamp());
    }

    public ValueTask DisposeAsync() => _keeper.DisposeAsync();

    private void Advance(double seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void Renews_every_heartbeat_interval_and_keeps_holding()
    {
        Advance(0.999);
        _renewer.Calls.ShouldBe(0);
        Advance(0.001);
        _renewer.Calls.ShouldBe(1);
        Advance(9);
        _renewer.Calls.ShouldBe(10);
        _keeper.State.ShouldBe(MemberLeaseState.Holding);
        _changes.ShouldBeEmpty();
    }

    [Fact]
    public void Raises_lease_lost_at_the_local_deadline_when_no_renewal_succeeds()
    {
        _renewer.Next = () => throw new IOException("database unreachable");

        Advance(2.499);
        _keeper.State.ShouldBe(MemberLeaseState.Holding);
        Advance(0.001);

        _keeper.State.ShouldBe(MemberLeaseState.Lost);
        var lost = _changes.ShouldHaveSingleItem();
        lost.State.ShouldBe(MemberLeaseState.Lost);
        lost.Reason.ShouldContain("stop this node's shards");
    }

    [Fact]
    public void Counts_the_deadline_from_when_the_last_good_renewal_was_sent()
    {
        Advance(3); // renewals at 1, 2 and 3 s succeed
        _renewer.Next = () => throw new IOException("database unreachable");

        Advance(2.499); // 5.499 s: 2.499 s after the renewal sent at 3 s
        _keeper.State.ShouldBe(MemberLeaseState.Holding);
        Advance(0.001);
        _keeper.State.ShouldBe(MemberLeaseState.Lost);
    }

    [Fact]
    public void A_renewal_that_hangs_is_cut_at_the_deadline_and_the_lease_is_lost()
    {
        var hung = new TaskCompletionSource<LeaseRenewal>();
        CancellationToken seen = default;
        _renewer.NextAsync = token => { seen = token; token.Register(() => hung.TrySetCanceled(token)); return new ValueTask<LeaseRenewal>(hung.Task); };

        Advance(1); // sent at 1 s, never answers
        seen.IsCancellationRequested.ShouldBeFalse();
        Advance(1.5);

        _keeper.State.ShouldBe(MemberLeaseState.Lost);
        seen.IsCancellationRequested.ShouldBeTrue();
        _renewer.NextAsync = null;
        Advance(1);
        _renewer.Calls.ShouldBe(2); // tried again at the next heartbeat
    }

    [Fact]
    public void Returns_to_holding_when_a_renewal_succeeds_after_the_lease_was_lost()
    {
        _renewer.Next = () => throw new IOException("database unreachable");
        Advance(2.5);
        _keeper.State.ShouldBe(MemberLeaseState.Lost);

        _renewer.Next = null;
        Advance(0.5); // the heartbeat at 3 s succeeds

        _keeper.State.ShouldBe(MemberLeaseState.Holding);
        _changes.Select(c => c.State).ShouldBe([MemberLeaseState.Lost, MemberLeaseState.Holding]);
    }

    [Fact]
    public void Reports_downed_when_a_renewal_finds_no_live_row_and_stops_renewing()
    {
        Advance(1);
        _renewer.Next = () => LeaseRenewal.Downed;
        Advance(1);

        _keeper.State.ShouldBe(MemberLeaseState.Downed);
        var downed = _changes.ShouldHaveSingleItem();
        downed.Reason.ShouldContain("rejoin as a new incarnation");
        Advance(10);
        _renewer.Calls.ShouldBe(2);
        _changes.Count.ShouldBe(1); // no "lost" after "downed"
    }

    [Fact]
    public void Refuses_settings_whose_ttl_leaves_no_room_for_a_renewal()
    {
        var bad = new ClusterSettings { MemberLeaseTtl = TimeSpan.FromSeconds(1.2) };
        Should.Throw<ArgumentException>(() => new MemberLeaseKeeper(_renewer, bad, _time)).Message.ShouldContain("ActorTrading:Cluster:MemberLeaseTtl");
    }

    /// <summary>The renewer port, answering synchronously so each renewal completes inside the Advance that started it.</summary>
    private sealed class ScriptedRenewer : IMemberLeaseRenewer
    {
        private int _calls;

        public Func<LeaseRenewal>? Next { get; set; }

        public Func<CancellationToken, ValueTask<LeaseRenewal>>? NextAsync { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<LeaseRenewal> RenewAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (NextAsync is { } nextAsync)
            {
                return nextAsync(cancellationToken);
            }

            return ValueTask.FromResult(Next is { } next ? next() : LeaseRenewal.Renewed);
        }
    }
}
