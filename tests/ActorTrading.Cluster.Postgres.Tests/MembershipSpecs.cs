namespace ActorTrading.Cluster.Postgres.Tests;

/// <summary>Membership in PostgreSQL (issue 17, CLUSTER.md): join, one live incarnation per address, heartbeats, downing by
/// the database clock, leaving.</summary>
public sealed class MembershipSpecs : ClusterDatabase
{
    [Fact]
    public async Task Join_makes_members_up_in_order_and_bumps_the_version_for_each_change()
    {
        (await Members.ReadVersionAsync()).ShouldBe(0);

        var first = await Members.JoinAsync(Node(9001));
        var second = await Members.JoinAsync(Node(9002, ClusterRoles.Trading));

        first.Status.ShouldBe(MemberStatus.Up);
        second.Status.ShouldBe(MemberStatus.Up);
        first.UpNumber.ShouldBe(1);
        second.UpNumber.ShouldBe(2);
        second.Incarnation.ShouldBeGreaterThan(first.Incarnation);
        second.Roles.ShouldBe([ClusterRoles.Trading]);
        second.Address.ShouldBe("https://127.0.0.1:9002");
        second.AppVersion.ShouldBe("1.0.0-test");
        (await Members.ReadVersionAsync()).ShouldBe(4); // joining and up, for each
        (await Members.ReadMembersAsync()).Select(m => m.Incarnation).ShouldBe([first.Incarnation, second.Incarnation]);
        (await ScalarAsync<bool>($"SELECT lease_expires_at > now() + interval '1 second' FROM cluster_member WHERE incarnation = {first.Incarnation}")).ShouldBeTrue();
    }

    [Fact]
    public async Task A_second_live_incarnation_of_an_address_is_refused_until_the_first_is_down()
    {
        var first = await Members.JoinAsync(Node(9001));

        var refused = await Should.ThrowAsync<DuplicateMemberException>(() => Members.JoinAsync(Node(9001)));
        refused.Message.ShouldContain("https://127.0.0.1:9001");
        refused.Message.ShouldContain($"incarnation {first.Incarnation} is up");
        (await Members.ReadMembersAsync()).Count.ShouldBe(1);

        (await Members.DownAsync(first.Incarnation, "operator: cluster down")).ShouldBeTrue();
        var next = await Members.JoinAsync(Node(9001));
        next.Incarnation.ShouldNotBe(first.Incarnation);
        next.Status.ShouldBe(MemberStatus.Up);
    }

    [Fact]
    public async Task A_heartbeat_renews_a_live_member_and_answers_downed_for_a_downed_incarnation()
    {
        var member = await Members.JoinAsync(Node(9001));
        var version = await Members.ReadVersionAsync();
        (await Members.HeartbeatAsync(member.Incarnation)).ShouldBe(LeaseRenewal.Renewed);
        (await Members.ReadVersionAsync()).ShouldBe(version); // heartbeats change no status

        await Members.DownAsync(member.Incarnation, "operator: cluster down");

        (await Members.HeartbeatAsync(member.Incarnation)).ShouldBe(LeaseRenewal.Downed);
    }

    [Fact]
    public async Task The_lease_keeper_on_the_real_store_reports_downed_after_an_operator_downs_its_incarnation()
    {
        var started = TimeProvider.System.GetTimestamp();
        var member = await Members.JoinAsync(Node(9001));
        await using var keeper = new MemberLeaseKeeper(Members.Renewer(member.Incarnation), Settings);
        keeper.Start(started);
        await Eventually.HoldsAsync(async () => (await MemberAsync(member.Incarnation)).LeaseExpiresAt > member.LeaseExpiresAt, "a renewal", Limit);

        await Members.DownAsync(member.Incarnation, "operator: cluster down");

        await Eventually.HoldsAsync(() => keeper.State == MemberLeaseState.Downed, "the keeper to report downed", Limit, () => keeper.State.ToString());
    }

    [Fact]
    public async Task A_member_that_stops_renewing_is_downed_by_another_only_after_its_lease_expired()
    {
        var silent = await Members.JoinAsync(Node(9001));
        var live = await Members.JoinAsync(Node(9002));

        // Fresh: nobody is downed.
        (await Members.DownExpiredAsync()).ShouldBeEmpty();

        IReadOnlyList<long> downed = [];
        await Eventually.HoldsAsync(async () =>
        {
            await Members.HeartbeatAsync(live.Incarnation);
            downed = await Members.DownExpiredAsync();
            return downed.Count > 0;
        }, "the silent member to be downed", Limit);

        downed.ShouldBe([silent.Incarnation]);
        var after = await MemberAsync(silent.Incarnation);
        after.Status.ShouldBe(MemberStatus.Down);
        (await MemberAsync(live.Incarnation)).Status.ShouldBe(MemberStatus.Up);
        (await ScalarAsync<string>($"SELECT status_reason FROM cluster_member WHERE incarnation = {silent.Incarnation}")).ShouldBe("member lease expired");
        (await ScalarAsync<bool>($"SELECT lease_expires_at < now() FROM cluster_member WHERE incarnation = {silent.Incarnation}")).ShouldBeTrue();
    }

    [Fact]
    public async Task Down_unreachable_downs_only_the_members_whose_lease_expired_and_reads_show_them_expired()
    {
        var silent = await Members.JoinAsync(Node(9001));
        var live = await Members.JoinAsync(Node(9002));

        // Fresh: nothing is unreachable, so an operator's down-unreachable downs nobody.
        (await Members.DownUnreachableAsync()).ShouldBeEmpty();
        (await Members.ReadMembersAsync()).ShouldAllBe(m => !m.LeaseExpired);

        await Eventually.HoldsAsync(async () =>
        {
            await Members.HeartbeatAsync(live.Incarnation);
            return (await MemberAsync(silent.Incarnation)).LeaseExpired;
        }, "the silent member's lease to expire", Limit);
        await Members.HeartbeatAsync(live.Incarnation);

        (await Members.DownUnreachableAsync()).ShouldBe([silent.Incarnation]);
        (await MemberAsync(silent.Incarnation)).Status.ShouldBe(MemberStatus.Down);
        (await MemberAsync(live.Incarnation)).Status.ShouldBe(MemberStatus.Up);
        (await ScalarAsync<string>($"SELECT status_reason FROM cluster_member WHERE incarnation = {silent.Incarnation}")).ShouldBe("downed by an operator: unreachable");
    }

    [Fact]
    public async Task A_graceful_leave_passes_leaving_exiting_and_removed()
    {
        var member = await Members.JoinAsync(Node(9001));

        (await Members.LeaveAsync(member.Incarnation)).ShouldBeTrue();
        (await MemberAsync(member.Incarnation)).Status.ShouldBe(MemberStatus.Leaving);
        (await Members.HeartbeatAsync(member.Incarnation)).ShouldBe(LeaseRenewal.Renewed); // still renews while handing off
        (await Members.ExitingAsync(member.Incarnation)).ShouldBeTrue();
        (await Members.RemoveAsync(member.Incarnation)).ShouldBeTrue();

        (await MemberAsync(member.Incarnation)).Status.ShouldBe(MemberStatus.Removed);
        (await Members.LeaveAsync(member.Incarnation)).ShouldBeFalse();
        (await Members.HeartbeatAsync(member.Incarnation)).ShouldBe(LeaseRenewal.Downed);
    }

    [Fact]
    public async Task A_notify_wakes_a_watcher_whose_poll_would_not_come_for_an_hour()
    {
        await using var watcher = await MembershipWatcher.StartAsync(DataSource, Settings with { MembershipPollInterval = TimeSpan.FromHours(1) });
        watcher.Current.Members.ShouldBeEmpty();

        var member = await Members.JoinAsync(Node(9001));

        await Eventually.HoldsAsync(() => watcher.Current.Members.Any(m => m.Incarnation == member.Incarnation && m.Status == MemberStatus.Up),
            "the watcher to see the member up", Limit, () => $"version {watcher.Current.Version}, {watcher.Current.Members.Count} members");
        watcher.Notifications.ShouldBeGreaterThan(0);
    }
}
