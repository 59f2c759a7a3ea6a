using System.Diagnostics;
using System.Threading.Channels;

namespace ActorTrading.Actors.TestKit;

/// <summary>
/// A stand-in actor whose received messages a test can expect, in order, each with a time limit.
/// Watching through a probe turns a stop into a <see cref="Terminated"/> message in its queue.
/// </summary>
public sealed class TestProbe
{
    private readonly Channel<(object Message, IActorRef? Sender)> _queue = Channel.CreateUnbounded<(object, IActorRef?)>();
    private readonly TestKitBase _kit;
    private readonly ProbeRef _ref;

    internal TestProbe(TestKitBase kit, ActorSystem system, string name)
    {
        _kit = kit;
        _ref = new ProbeRef(this, system, name);
    }

    /// <summary>The probe's ref, to pass as a collaborator or a sender.</summary>
    public IActorRef Ref => _ref;

    /// <summary>The sender of the last message taken from the queue.</summary>
    public IActorRef? LastSender { get; private set; }

    /// <summary>Sends a message to <paramref name="target"/> with this probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, _ref);

    /// <summary>Replies to <see cref="LastSender"/>.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new InvalidOperationException("no message received yet, so there is nobody to reply to")).Tell(message, _ref);

    /// <summary>Forwards to <paramref name="target"/> with <see cref="LastSender"/> as sender.</summary>
    public void Forward(IActorRef target, object message) => target.Tell(message, LastSender);

    /// <summary>Watches <paramref name="actor"/>: its stop arrives as <see cref="Terminated"/>.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        ((IInternalActorRef)actor).SendSystemMessage(new SystemMessage.Watch((IInternalActorRef)actor, _ref));
        return actor;
    }

    /// <summary>Stops watching.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        ((IInternalActorRef)actor).SendSystemMessage(new SystemMessage.Unwatch((IInternalActorRef)actor, _ref));
        return actor;
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> (matching <paramref name="predicate"/>) within the time limit.</summary>
    public async Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var (message, _) = await NextAsync(timeout, $"a {typeof(T).Name}");
        if (message is not T typed)
        {
            throw new TestKitException($"expected a {typeof(T).Name} but received {Describe(message)}");
        }

        if (predicate is not null && !predicate(typed))
        {
            throw new TestKitException($"received {Describe(message)}, which does not match the expectation");
        }

        return typed;
    }

    /// <summary>Expects the next message to equal <paramref name="expected"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull
    {
        var received = await ExpectMsgAsync<T>(null, timeout);
        return Equals(received, expected)
            ? received
            : throw new TestKitException($"expected {Describe(expected)} but received {Describe(received)}");
    }

    /// <summary>Expects <see cref="Terminated"/> for <paramref name="actor"/> (which must be watched).</summary>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef actor, TimeSpan? timeout = null) =>
        ExpectMsgAsync<Terminated>(t => t.ActorRef.Equals(actor), timeout);

    /// <summary>Expects that no message arrives for <paramref name="duration"/>.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null)
    {
        var wait = _kit.RemainingOr(duration ?? _kit.Settings.NoMessageWait);
        using var cancel = new CancellationTokenSource(wait);
        try
        {
            if (await _queue.Reader.WaitToReadAsync(cancel.Token) && _queue.Reader.TryRead(out var item))
            {
                throw new TestKitException($"expected no message for {wait.TotalMilliseconds:0} ms but received {Describe(item.Message)}");
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
    }

    /// <summary>Discards messages until one of type <typeparamref name="T"/> matches; fails at the time limit.</summary>
    public async Task<T> FishForMessageAsync<T>(Func<T, bool> isTheOne, TimeSpan? timeout = null)
    {
        var limit = _kit.RemainingOr(timeout ?? _kit.Settings.DefaultTimeout);
        var started = Stopwatch.GetTimestamp();
        var seen = new List<string>();
        while (true)
        {
            var left = limit - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new TestKitException($"no matching {typeof(T).Name} in time; discarded: [{string.Join(", ", seen)}]");
            }

            var (message, _) = await NextAsync(left, $"a matching {typeof(T).Name} (discarded so far: [{string.Join(", ", seen)}])");
            if (message is T typed && isTheOne(typed))
            {
                return typed;
            }

            seen.Add(Describe(message));
        }
    }

    /// <summary>Receives <paramref name="count"/> messages of type <typeparamref name="T"/>, in order.</summary>
    public async Task<IReadOnlyList<T>> ReceiveNAsync<T>(int count, TimeSpan? timeout = null)
    {
        var received = new List<T>(count);
        await _kit.WithinAsync(_kit.RemainingOr(timeout ?? _kit.Settings.DefaultTimeout), async () =>
        {
            for (var i = 0; i < count; i++)
            {
                received.Add(await ExpectMsgAsync<T>());
            }
        });
        return received;
    }

    /// <summary>Whether a message is waiting (without taking it).</summary>
    public bool HasMessages => _queue.Reader.TryPeek(out _);

    private async Task<(object Message, IActorRef? Sender)> NextAsync(TimeSpan? timeout, string what)
    {
        var wait = _kit.RemainingOr(timeout ?? _kit.Settings.DefaultTimeout);
        using var cancel = new CancellationTokenSource(wait);
        try
        {
            var item = await _queue.Reader.ReadAsync(cancel.Token);
            LastSender = item.Sender;
            return item;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TestKitException($"timeout ({wait.TotalMilliseconds:0} ms) while expecting {what}");
        }
    }

    private static string Describe(object? message) => message is null ? "null" : $"{message.GetType().Name} {message}";

    private sealed class ProbeRef(TestProbe probe, ActorSystem system, string name) : IInternalActorRef
    {
        public ActorPath Path { get; } = system.Provider.RootPath.Child("testProbe").Child(name, Random.Shared.NextInt64(1, long.MaxValue));

        public ActorSystem System => system;

        public bool IsTerminated => false;

        public void Tell(object message, IActorRef? sender) => probe._queue.Writer.TryWrite((message, sender));

        public void SendSystemMessage(SystemMessage message)
        {
            if (message is SystemMessage.DeathWatchNotification notification)
            {
                Tell(new Terminated(notification.Actor, notification.ExistenceConfirmed), notification.Actor);
            }
        }

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

        public override string ToString() => $"[{Path}]";
    }
}
