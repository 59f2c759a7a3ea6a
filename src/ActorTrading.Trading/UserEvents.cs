namespace ActorTrading.Trading;

/// <summary>What a user entity stores: only the SHA-256 of the API token, which is shown once.</summary>
public static class UserEvents
{
    /// <summary>A user was created.</summary>
    public sealed record UserCreated(string UserId, string Name, string ApiTokenSha256, DateTimeOffset At);
}
