using System.Text.Json.Serialization;
using ActorTrading.Actors;
using ActorTrading.Actors.Serialization;

namespace ActorTrading.Trading;

/// <summary>
/// The stable names of every trading message that would cross nodes (commands, queries and their replies). A message
/// that never leaves its node is marked <see cref="NodeLocalAttribute"/> instead (the gateway's <c>Run</c> carries a
/// delegate). These names are for the wire only: they share the kernel's registry machinery with the events, not their names.
/// </summary>
public static class TradingMessages
{
    /// <summary>The message serializer of a system: the kernel's messages and the trading ones.</summary>
    public static MessageSerializer Create(IActorRefProvider provider) => Register(MessageSerializer.Create()).Build(provider);

    /// <summary>Registers the trading messages on <paramref name="builder"/>.</summary>
    public static MessageSerializer.Builder Register(MessageSerializer.Builder builder) => builder
        .WithResolver(TradingMessagesJsonContext.Default)
        .Add<BotProtocol.CreateBot>("bot.create-bot", 1)
        .Add<BotProtocol.UpdateBot>("bot.update-bot", 1)
        .Add<BotProtocol.PauseBot>("bot.pause-bot", 1)
        .Add<BotProtocol.ResumeBot>("bot.resume-bot", 1)
        .Add<BotProtocol.RotateSecret>("bot.rotate-secret", 1)
        .Add<BotProtocol.AddSubscriber>("bot.add-subscriber", 1)
        .Add<BotProtocol.RemoveSubscriber>("bot.remove-subscriber", 1)
        .Add<BotProtocol.AcceptSignal>("bot.accept-signal", 1)
        .Add<BotProtocol.SignalOutcomeRecorded>("bot.signal-outcome-recorded", 1)
        .Add<BotProtocol.GetBot>("bot.get-bot", 1)
        .Add<BotProtocol.Wake>("bot.wake", 1)
        .Add<BotProtocol.CurrentBot>("bot.current-bot", 2)
        .Add<BotProtocol.SignalAcceptedReply>("bot.signal-accepted-reply", 1)
        .Add<BotProtocol.Ok>("bot.ok", 1)
        .Add<BotProtocol.Rejected>("bot.rejected", 1)
        .Add<SubscriptionProtocol.CreateSubscription>("subscription.create-subscription", 1)
        .Add<SubscriptionProtocol.UpdateSubscription>("subscription.update-subscription", 1)
        .Add<SubscriptionProtocol.PauseSubscription>("subscription.pause-subscription", 1)
        .Add<SubscriptionProtocol.ResumeSubscription>("subscription.resume-subscription", 1)
        .Add<SubscriptionProtocol.CancelSubscription>("subscription.cancel-subscription", 1)
        .Add<SubscriptionProtocol.TradeSignal>("subscription.trade-signal", 1)
        .Add<SubscriptionProtocol.GetSubscription>("subscription.get-subscription", 1)
        .Add<SubscriptionProtocol.CurrentSubscription>("subscription.current-subscription", 1)
        .Add<SubscriptionProtocol.Ok>("subscription.ok", 1)
        .Add<AccountProtocol.RegisterAccount>("account.register-account", 1)
        .Add<AccountProtocol.DeleteAccount>("account.delete-account", 1)
        .Add<AccountProtocol.GetAccount>("account.get-account", 1)
        .Add<AccountProtocol.GetStoredCredentials>("account.get-stored-credentials", 1)
        .Add<AccountProtocol.CurrentAccount>("account.current-account", 1)
        .Add<AccountProtocol.StoredCredentials>("account.stored-credentials", 1)
        .Add<AccountProtocol.Ok>("account.ok", 1)
        .Add<UserProtocol.CreateUser>("user.create-user", 1)
        .Add<UserProtocol.GetUser>("user.get-user", 1)
        .Add<UserProtocol.CurrentUser>("user.current-user", 1)
        .Add<UserProtocol.Ok>("user.ok", 1)
        .Add<ClaimProtocol.Claim>("claim.claim", 1)
        .Add<ClaimProtocol.Release>("claim.release", 1)
        .Add<ClaimProtocol.GetClaim>("claim.get-claim", 1)
        .Add<ClaimProtocol.Claimed>("claim.claimed", 1)
        .Add<ClaimProtocol.Taken>("claim.taken", 1)
        .Add<ClaimProtocol.Released>("claim.released", 1)
        .Add<ClaimProtocol.CurrentClaim>("claim.current-claim", 1)
        .Add<AccountGatewayProtocol.ReadMarket>("account-gateway.read-market", 1)
        .Add<AccountGatewayProtocol.PlaceMarketOrder>("account-gateway.place-market-order", 1)
        .Add<AccountGatewayProtocol.Forget>("account-gateway.forget", 1);
}

/// <summary>Source-generated JSON for the trading messages.</summary>
[JsonSerializable(typeof(BotProtocol.CreateBot), TypeInfoPropertyName = "BotCreateBot")]
[JsonSerializable(typeof(BotProtocol.UpdateBot), TypeInfoPropertyName = "BotUpdateBot")]
[JsonSerializable(typeof(BotProtocol.PauseBot), TypeInfoPropertyName = "BotPauseBot")]
[JsonSerializable(typeof(BotProtocol.ResumeBot), TypeInfoPropertyName = "BotResumeBot")]
[JsonSerializable(typeof(BotProtocol.RotateSecret), TypeInfoPropertyName = "BotRotateSecret")]
[JsonSerializable(typeof(BotProtocol.AddSubscriber), TypeInfoPropertyName = "BotAddSubscriber")]
[JsonSerializable(typeof(BotProtocol.RemoveSubscriber), TypeInfoPropertyName = "BotRemoveSubscriber")]
[JsonSerializable(typeof(BotProtocol.AcceptSignal), TypeInfoPropertyName = "BotAcceptSignal")]
[JsonSerializable(typeof(BotProtocol.SignalOutcomeRecorded), TypeInfoPropertyName = "BotSignalOutcomeRecorded")]
[JsonSerializable(typeof(BotProtocol.GetBot), TypeInfoPropertyName = "BotGetBot")]
[JsonSerializable(typeof(BotProtocol.Wake), TypeInfoPropertyName = "BotWake")]
[JsonSerializable(typeof(BotProtocol.CurrentBot), TypeInfoPropertyName = "BotCurrentBot")]
[JsonSerializable(typeof(BotProtocol.SignalAcceptedReply), TypeInfoPropertyName = "BotSignalAcceptedReply")]
[JsonSerializable(typeof(BotProtocol.Ok), TypeInfoPropertyName = "BotOk")]
[JsonSerializable(typeof(BotProtocol.Rejected), TypeInfoPropertyName = "BotRejected")]
[JsonSerializable(typeof(SubscriptionProtocol.CreateSubscription), TypeInfoPropertyName = "SubscriptionCreateSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.UpdateSubscription), TypeInfoPropertyName = "SubscriptionUpdateSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.PauseSubscription), TypeInfoPropertyName = "SubscriptionPauseSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.ResumeSubscription), TypeInfoPropertyName = "SubscriptionResumeSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.CancelSubscription), TypeInfoPropertyName = "SubscriptionCancelSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.TradeSignal), TypeInfoPropertyName = "SubscriptionTradeSignal")]
[JsonSerializable(typeof(SubscriptionProtocol.GetSubscription), TypeInfoPropertyName = "SubscriptionGetSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.CurrentSubscription), TypeInfoPropertyName = "SubscriptionCurrentSubscription")]
[JsonSerializable(typeof(SubscriptionProtocol.Ok), TypeInfoPropertyName = "SubscriptionOk")]
[JsonSerializable(typeof(AccountProtocol.RegisterAccount), TypeInfoPropertyName = "AccountRegisterAccount")]
[JsonSerializable(typeof(AccountProtocol.DeleteAccount), TypeInfoPropertyName = "AccountDeleteAccount")]
[JsonSerializable(typeof(AccountProtocol.GetAccount), TypeInfoPropertyName = "AccountGetAccount")]
[JsonSerializable(typeof(AccountProtocol.GetStoredCredentials), TypeInfoPropertyName = "AccountGetStoredCredentials")]
[JsonSerializable(typeof(AccountProtocol.CurrentAccount), TypeInfoPropertyName = "AccountCurrentAccount")]
[JsonSerializable(typeof(AccountProtocol.StoredCredentials), TypeInfoPropertyName = "AccountStoredCredentials")]
[JsonSerializable(typeof(AccountProtocol.Ok), TypeInfoPropertyName = "AccountOk")]
[JsonSerializable(typeof(UserProtocol.CreateUser), TypeInfoPropertyName = "UserCreateUser")]
[JsonSerializable(typeof(UserProtocol.GetUser), TypeInfoPropertyName = "UserGetUser")]
[JsonSerializable(typeof(UserProtocol.CurrentUser), TypeInfoPropertyName = "UserCurrentUser")]
[JsonSerializable(typeof(UserProtocol.Ok), TypeInfoPropertyName = "UserOk")]
[JsonSerializable(typeof(ClaimProtocol.Claim), TypeInfoPropertyName = "ClaimClaim")]
[JsonSerializable(typeof(ClaimProtocol.Release), TypeInfoPropertyName = "ClaimRelease")]
[JsonSerializable(typeof(ClaimProtocol.GetClaim), TypeInfoPropertyName = "ClaimGetClaim")]
[JsonSerializable(typeof(ClaimProtocol.Claimed), TypeInfoPropertyName = "ClaimClaimed")]
[JsonSerializable(typeof(ClaimProtocol.Taken), TypeInfoPropertyName = "ClaimTaken")]
[JsonSerializable(typeof(ClaimProtocol.Released), TypeInfoPropertyName = "ClaimReleased")]
[JsonSerializable(typeof(ClaimProtocol.CurrentClaim), TypeInfoPropertyName = "ClaimCurrentClaim")]
[JsonSerializable(typeof(AccountGatewayProtocol.ReadMarket), TypeInfoPropertyName = "AccountGatewayReadMarket")]
[JsonSerializable(typeof(AccountGatewayProtocol.PlaceMarketOrder), TypeInfoPropertyName = "AccountGatewayPlaceMarketOrder")]
[JsonSerializable(typeof(AccountGatewayProtocol.Forget), TypeInfoPropertyName = "AccountGatewayForget")]
internal sealed partial class TradingMessagesJsonContext : JsonSerializerContext;
