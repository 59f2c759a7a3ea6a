namespace ActorTrading.Cluster.Tests;

/// <summary>Every cluster setting has one default and one validation that names its key.</summary>
public sealed class ClusterSettingsSpecs
{
    [Fact]
    public void The_defaults_are_valid_and_give_a_local_deadline_of_two_and_a_half_seconds()
    {
        var settings = new ClusterSettings();
        settings.Validate();
        settings.HeartbeatInterval.ShouldBe(TimeSpan.FromSeconds(1));
        settings.MemberLeaseTtl.ShouldBe(TimeSpan.FromSeconds(3));
        settings.LocalLeaseDeadline.ShouldBe(TimeSpan.FromSeconds(2.5));
    }

    public static TheoryData<string, ClusterSettings> Invalid => new()
    {
        { "ClusterId", new ClusterSettings { ClusterId = " " } },
        { "HeartbeatInterval", new ClusterSettings { HeartbeatInterval = TimeSpan.Zero } },
        { "LeaseSafetyMargin", new ClusterSettings { LeaseSafetyMargin = TimeSpan.Zero } },
        { "MemberLeaseTtl", new ClusterSettings { MemberLeaseTtl = TimeSpan.FromSeconds(1.5) } },
        { "RestartDowningGrace", new ClusterSettings { RestartDowningGrace = TimeSpan.FromSeconds(2) } },
        { "MembershipPollInterval", new ClusterSettings { MembershipPollInterval = TimeSpan.FromSeconds(-1) } },
        { "RebalanceAbsoluteLimit", new ClusterSettings { RebalanceAbsoluteLimit = 0 } },
        { "RebalanceRelativeLimit", new ClusterSettings { RebalanceRelativeLimit = 1.5 } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_setting_is_refused_with_its_key(string key, ClusterSettings settings)
    {
        var error = Should.Throw<ArgumentException>(settings.Validate);
        error.Message.ShouldStartWith($"ActorTrading:Cluster:{key} ");
        error.ParamName.ShouldBe(key);
    }

    [Fact]
    public void A_member_identity_with_a_bad_address_is_refused_naming_the_field()
    {
        var identity = new MemberIdentity("n1", "127.0.0.1:9000", [ClusterRoles.Trading], "1.0");
        Should.Throw<ArgumentException>(identity.Validate).ParamName.ShouldBe("Address");
    }
}
