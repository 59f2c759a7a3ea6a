using ActorTrading.Actors;

namespace ActorTrading.Trading;

/// <summary>The user entity's protocol.</summary>
public static class UserProtocol
{
    /// <summary>Messages for a user entity carry its id.</summary>
    public interface IWithUserId
    {
        /// <summary>The user.</summary>
        string UserId { get; }
    }

    /// <summary>Creates the user with the hash of its API token.</summary>
    public sealed record CreateUser(string UserId, string Name, string ApiTokenSha256, IActorRef ReplyTo) : IWithUserId;

    /// <summary>Asks for the user; answered with <see cref="CurrentUser"/> or <see cref="BotProtocol.Rejected"/>.</summary>
    public sealed record GetUser(string UserId, IActorRef ReplyTo) : IWithUserId;

    /// <summary>The user (never the token).</summary>
    public sealed record CurrentUser(string UserId, string Name, DateTimeOffset CreatedAt);

    /// <summary>Done.</summary>
    public sealed record Ok(string UserId);
}
