using static ActorTrading.Trading.ClaimEvents;
using static ActorTrading.Trading.ClaimProtocol;

namespace ActorTrading.Trading.Tests;

/// <summary>The claim's pure core: at most one owner, a repeat changes nothing, a hand-over only from the holder named.</summary>
public sealed class ClaimStateSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_free_key_is_claimed_once_and_a_repeat_by_its_owner_stores_nothing()
    {
        var (made, reply) = ClaimState.Free.Decide(new Claim("k", "a", ActorRefs.Nobody), Now);
        made.ShouldBe(new ClaimMade("k", "a", Now));
        reply.ShouldBe(new Claimed("k", "a"));

        var held = ClaimState.Free.Apply(made!);
        held.Decide(new Claim("k", "a", ActorRefs.Nobody), Now.AddMinutes(1)).ShouldBe((null, new Claimed("k", "a")));
        held.Decide(new GetClaim("k", ActorRefs.Nobody), Now).Reply.ShouldBe(new CurrentClaim("k", "a", Now));
    }

    [Fact]
    public void Another_owner_is_refused_unless_it_names_the_holder_it_replaces()
    {
        var held = ClaimState.Free.Apply(new ClaimMade("k", "a", Now));

        held.Decide(new Claim("k", "b", ActorRefs.Nobody), Now).ShouldBe((null, new Taken("k", "a", Now)));
        held.Decide(new Claim("k", "b", ActorRefs.Nobody, Replacing: "c"), Now).ShouldBe((null, new Taken("k", "a", Now)));
        held.Decide(new Claim("k", "b", ActorRefs.Nobody, Replacing: "a"), Now).ShouldBe((new ClaimMade("k", "b", Now), new Claimed("k", "b")));
    }

    [Fact]
    public void Only_the_holder_releases_and_a_released_key_is_free_again()
    {
        var held = ClaimState.Free.Apply(new ClaimMade("k", "a", Now));

        held.Decide(new Release("k", "b", ActorRefs.Nobody), Now).ShouldBe((null, new Taken("k", "a", Now)));
        var (released, reply) = held.Decide(new Release("k", "a", ActorRefs.Nobody), Now);
        (released, reply).ShouldBe((new ClaimReleased("k", "a", Now), new Released("k")));
        held.Apply(released!).Decide(new Claim("k", "b", ActorRefs.Nobody), Now).Reply.ShouldBe(new Claimed("k", "b"));
        ClaimState.Free.Decide(new Release("k", "a", ActorRefs.Nobody), Now).ShouldBe((null, new Released("k")));
    }
}
