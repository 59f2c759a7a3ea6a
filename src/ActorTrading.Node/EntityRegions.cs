using ActorTrading.Actors;

namespace ActorTrading.Node;

/// <summary>
/// The node's entity regions, for what sends commands to entities (the HTTP handlers take it by parameter): every message
/// to an entity goes through its region, which starts the entity where its shard lives.
/// </summary>
/// <param name="Bots">The bot region.</param>
/// <param name="Subscriptions">The subscription region.</param>
/// <param name="Accounts">The exchange account region.</param>
/// <param name="Users">The user region.</param>
/// <param name="Claims">The claim region (ask it through <see cref="ClaimRegistry"/>).</param>
public sealed record EntityRegions(IActorRef Bots, IActorRef Subscriptions, IActorRef Accounts, IActorRef Users, IActorRef Claims);
