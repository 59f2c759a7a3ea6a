namespace ActorTrading.Actors;

/// <summary>
/// Where undeliverable messages go. Each becomes a <see cref="DeadLetter"/> on the event stream
/// (so tests and operators can observe them), is counted, and the first few are logged.
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system) : IInternalActorRef
{
    private long _count;

    public ActorPath Path { get; } = system.Provider.RootPath.Child("deadLetters");

    public ActorSystem System => system;

    public bool IsTerminated => false;

    public long Count => Interlocked.Read(ref _count);

    public void Tell(object message, IActorRef? sender)
    {
        var deadLetter = message as DeadLetter ?? new DeadLetter(message, sender, this);
        var count = Interlocked.Increment(ref _count);
        if (count <= system.Settings.LogDeadLetters)
        {
            KernelLog.DeadLetter(system.KernelLogger, deadLetter.Message.GetType(), deadLetter.Sender?.Path, deadLetter.Recipient.Path, count);
        }

        system.EventStream.Publish(deadLetter);
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is SystemMessage.Watch watch)
        {
            watch.Watcher.SendSystemMessage(new SystemMessage.DeathWatchNotification(watch.Watchee, ExistenceConfirmed: false));
        }
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override string ToString() => $"[{Path}]";
}
