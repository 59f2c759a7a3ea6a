using ActorTrading.Actors.Sharding;

namespace ActorTrading.Trading;

/// <summary>Routes bot messages by bot id.</summary>
public sealed class BotMessageExtractor(int shards = 100) : HashCodeMessageExtractor(shards)
{
    /// <inheritdoc/>
    public override string? EntityId(object message) => message switch
    {
        IWithBotId bot => bot.BotId,
        ShardingEnvelope envelope => envelope.EntityId,
        StartEntity start => start.EntityId,
        GetEntityLocation location => location.EntityId,
        _ => null,
    };
}

/// <summary>Routes subscription messages by subscription id.</summary>
public sealed class SubscriptionMessageExtractor(int shards = 100) : HashCodeMessageExtractor(shards)
{
    /// <inheritdoc/>
    public override string? EntityId(object message) => message switch
    {
        IWithSubscriptionId subscription => subscription.SubscriptionId,
        ShardingEnvelope envelope => envelope.EntityId,
        StartEntity start => start.EntityId,
        GetEntityLocation location => location.EntityId,
        _ => null,
    };
}

/// <summary>Routes exchange account messages by account id.</summary>
public sealed class AccountMessageExtractor(int shards = 100) : HashCodeMessageExtractor(shards)
{
    /// <inheritdoc/>
    public override string? EntityId(object message) => message switch
    {
        AccountProtocol.IWithAccountId account => account.AccountId,
        ShardingEnvelope envelope => envelope.EntityId,
        StartEntity start => start.EntityId,
        GetEntityLocation location => location.EntityId,
        _ => null,
    };
}

/// <summary>Routes claim messages by key.</summary>
public sealed class ClaimMessageExtractor(int shards = 100) : HashCodeMessageExtractor(shards)
{
    /// <inheritdoc/>
    public override string? EntityId(object message) => message switch
    {
        ClaimProtocol.IWithClaimKey claim => claim.Key,
        ShardingEnvelope envelope => envelope.EntityId,
        StartEntity start => start.EntityId,
        GetEntityLocation location => location.EntityId,
        _ => null,
    };
}
