namespace ActorTrading.Actors.TestKit;

/// <summary>Time limits of the test kit's expectations.</summary>
public sealed record TestKitSettings
{
    /// <summary>Limit of an expectation that names none. Generous, because CI machines are shared and slow;
    /// a passing test never waits for it.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>ExpectNoMsgAsync</c> listens by default.</summary>
    public TimeSpan NoMessageWait { get; init; } = TimeSpan.FromMilliseconds(200);
}
