namespace ActorTrading.Actors.TestKit;

/// <summary>A failed expectation of the test kit.</summary>
public sealed class TestKitException(string message) : Exception(message);
