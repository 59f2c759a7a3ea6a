namespace ActorTrading.Actors;

/// <summary>Messages the kernel handles for every actor before its own Receive sees them.</summary>
public interface IAutoReceivedMessage;

/// <summary>Stops the actor once it reaches the head of the mailbox; messages before it are processed.</summary>
public sealed record PoisonPill : IAutoReceivedMessage
{
    /// <summary>The one instance.</summary>
    public static readonly PoisonPill Instance = new();
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/>; its supervisor decides (default: stop).</summary>
public sealed record Kill : IAutoReceivedMessage
{
    /// <summary>The one instance.</summary>
    public static readonly Kill Instance = new();
}

/// <summary>Asks any actor for its ref; answered with <see cref="ActorIdentity"/>.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage;

/// <summary>The answer to <see cref="Identify"/>; <see cref="Subject"/> is null when nobody lives there.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>Sent to a watcher when a watched actor has stopped. Unhandled, it fails the watcher with
/// <see cref="DeathPactException"/>.</summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed) : IAutoReceivedMessage;

/// <summary>Replies that carry only success or failure (for example from PipeTo).</summary>
public static class Status
{
    /// <summary>Success with an optional payload.</summary>
    public sealed record Success(object? Status);

    /// <summary>Failure with its cause.</summary>
    public sealed record Failure(Exception Cause);
}

/// <summary>A message that could not be delivered: the recipient had stopped or never existed.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message an actor's Receive did not handle.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>The answer to tasks that complete with no value.</summary>
public sealed record Done
{
    /// <summary>The one instance.</summary>
    public static readonly Done Instance = new();
}
