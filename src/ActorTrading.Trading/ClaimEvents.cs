namespace ActorTrading.Trading;

/// <summary>What a claim entity stores.</summary>
public static class ClaimEvents
{
    /// <summary>The key became <paramref name="Owner"/>'s.</summary>
    public sealed record ClaimMade(string Key, string Owner, DateTimeOffset At);

    /// <summary>The key was freed by <paramref name="Owner"/>.</summary>
    public sealed record ClaimReleased(string Key, string Owner, DateTimeOffset At);
}
