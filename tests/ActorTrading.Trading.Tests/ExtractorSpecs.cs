using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Trading.Tests;

public sealed class ExtractorSpecs : TestKitBase
{
    public static TheoryData<string> Extractors => ["bot", "subscription", "account", "user", "claim"];

    public ExtractorSpecs() => ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(new InMemoryJournal(), new InMemorySnapshotStore());

    [Theory]
    [MemberData(nameof(Extractors))]
    public void Every_trading_extractor_understands_StartEntity_and_GetEntityLocation(string kind)
    {
        HashCodeMessageExtractor extractor = kind switch
        {
            "bot" => new BotMessageExtractor(),
            "subscription" => new SubscriptionMessageExtractor(),
            "account" => new AccountMessageExtractor(),
            "claim" => new ClaimMessageExtractor(),
            _ => new UserEntity.UserMessageExtractor(),
        };
        extractor.EntityId(new StartEntity("e-1")).ShouldBe("e-1");
        extractor.EntityId(new GetEntityLocation("e-1", ActorRefs.Nobody)).ShouldBe("e-1");
        extractor.ShardId((object)new StartEntity("e-1")).ShouldBe(extractor.ShardId("e-1"));
        extractor.ShardId((object)new GetEntityLocation("e-1", ActorRefs.Nobody)).ShouldBe(extractor.ShardId("e-1"));
    }

    [Fact]
    public async Task The_user_region_starts_a_user_entity_on_StartEntity_and_tells_where_it_is()
    {
        var users = UserEntity.StartRegion(Sys);
        var ack = await users.Ask<StartEntityAck>(new StartEntity("u-1"));
        ack.EntityId.ShouldBe("u-1");
        await AwaitConditionAsync(async () => (await users.Ask<EntityLocation>(replyTo => new GetEntityLocation("u-1", replyTo))).EntityRef is not null, "the user entity to run");
        var location = await users.Ask<EntityLocation>(replyTo => new GetEntityLocation("u-1", replyTo));
        location.ShardId.ShouldBe(ack.ShardId);
        location.RegionAddress.ShouldBe(Sys.Address);
    }
}
