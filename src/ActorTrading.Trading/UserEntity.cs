using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Trading;

/// <summary>A user of the API: traders own exchange accounts and subscriptions.</summary>
public sealed class UserEntity : ReceivePersistentActor
{
    private UserEvents.UserCreated? _user;

    /// <summary>Creates the entity.</summary>
    public UserEntity(string userId)
    {
        PersistenceId = "user-" + userId;
        Recover<UserEvents.UserCreated>(e => _user = e);
        Command<UserProtocol.CreateUser>(c =>
        {
            if (_user is not null)
            {
                c.ReplyTo.Tell(new BotProtocol.Rejected(RejectionKind.Conflict, $"user {userId} already exists"), Self);
                return;
            }

            Persist(new UserEvents.UserCreated(userId, c.Name, c.ApiTokenSha256, Context.System.TimeProvider.GetUtcNow()), e =>
            {
                _user = e;
                c.ReplyTo.Tell(new UserProtocol.Ok(userId), Self);
            });
        });
        Command<UserProtocol.GetUser>(c => c.ReplyTo.Tell(
            _user is { } u ? new UserProtocol.CurrentUser(u.UserId, u.Name, u.At) : new BotProtocol.Rejected(RejectionKind.NotFound, $"user {userId} does not exist"), Self));
        Command<TradingRegions.StopEntity>(_ => Context.Stop(Self));
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>Starts the user region.</summary>
    public static IActorRef StartRegion(ActorSystem system, TradingSettings? settings = null)
    {
        settings ??= new TradingSettings();
        return TradingRegions.StartRegion(system, "user", id => Props.Create(() => new UserEntity(id)), new UserMessageExtractor(settings.NumberOfShards), settings);
    }

    /// <summary>Routes user messages by user id (and the kernel's start and location queries, which Akka's rule
    /// says every extractor understands).</summary>
    public sealed class UserMessageExtractor(int shards = 100) : HashCodeMessageExtractor(shards)
    {
        /// <inheritdoc/>
        public override string? EntityId(object message) => message switch
        {
            UserProtocol.IWithUserId user => user.UserId,
            StartEntity start => start.EntityId,
            GetEntityLocation location => location.EntityId,
            _ => null,
        };
    }
}
