using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>
/// A hierarchy of actors sharing settings, a scheduler, an event stream and dead letters.
/// <code>
///   /            root guardian
///   ├── user     parent of everything created with ActorOf on the system
///   └── system   parent of the kernel's own actors (sharding regions, persistence helpers)
/// </code>
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<Type, object> _extensions = new();
    private readonly DeadLetterActorRef _deadLetters;
    private readonly Scheduler _scheduler;
    private readonly LocalActorRef _root;
    private readonly LocalActorRef _userGuardian;
    private readonly LocalActorRef _systemGuardian;
    private readonly Dictionary<string, DedicatedThreadDispatcher> _dispatchers;
    private readonly LocalActorRefProvider _provider;
    private readonly IActorRefProvider? _installedProvider;
    private int _terminateRequested;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        ActorNames.Validate(name);
        settings.Validate();
        Name = name;
        Settings = settings;
        StartTime = settings.TimeProvider.GetUtcNow();
        var address = settings.Address ?? Address.Local(name);
        if (address.System != name)
        {
            throw new ArgumentException($"Address '{address}' names system '{address.System}', not this system '{name}'", nameof(settings));
        }

        _provider = new LocalActorRefProvider(this, address);
        EventStream = new EventStream();
        LoggerFactory = new EventStreamLoggerFactory(settings.LoggerFactory, EventStream, settings.EventStreamLogLevel, settings.TimeProvider);
        KernelLogger = LoggerFactory.CreateLogger("ActorTrading.Actors");
        _scheduler = new Scheduler(settings.TimeProvider);
        _deadLetters = new DeadLetterActorRef(this);
        _dispatchers = settings.Dispatchers.ToDictionary(d => d.Key, d => new DedicatedThreadDispatcher(d.Key, d.Value), StringComparer.Ordinal);

        var bubbleWalker = new RootParent(this);
        _root = CreateLocalActor(Props.Create(() => new GuardianActor()), bubbleWalker, "", isRoot: true);
        _userGuardian = _root.Cell.CreateGuardianChild("user");
        _systemGuardian = _root.Cell.CreateGuardianChild("system");
        _root.Start();
        // Last, so that a wrapping provider finds a working system (guardians, dead letters, event stream).
        _installedProvider = settings.ProviderFactory?.Invoke(this, _provider) ?? _provider;
    }

    /// <summary>The system's name, the first element of every path.</summary>
    public string Name { get; }

    /// <summary>The system's address: local (<c>akka://name</c>) unless the settings give one.</summary>
    public Address Address => _provider.Address;

    /// <summary>Makes and resolves this system's refs: the local provider, or the one
    /// <see cref="ActorSystemSettings.ProviderFactory"/> made around it.</summary>
    public IActorRefProvider Provider => _installedProvider ?? _provider;

    /// <summary>When the system was created, by its <see cref="TimeProvider"/> (Akka's <c>StartTime</c>).</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>How long the system has run (Akka's <c>Uptime</c>).</summary>
    public TimeSpan Uptime => TimeProvider.GetUtcNow() - StartTime;

    /// <summary>The settings it was created with.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>The publish-subscribe bus for dead letters, log events and application events.</summary>
    public EventStream EventStream { get; }

    /// <summary>Where undeliverable messages go.</summary>
    public IActorRef DeadLetters => _deadLetters;

    /// <summary>Dead letters so far.</summary>
    public long DeadLetterCount => _deadLetters.Count;

    /// <summary>Schedules messages to actors.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>The clock of every timer, window and deadline in this system.</summary>
    public TimeProvider TimeProvider => Settings.TimeProvider;

    /// <summary>Creates loggers that also publish to the event stream.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Completes once every actor has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal ILogger KernelLogger { get; }

    internal LocalActorRef UserGuardian => _userGuardian;

    internal LocalActorRef SystemGuardian => _systemGuardian;

    internal LocalActorRef Root => _root;

    internal LocalActorRefProvider LocalProvider => _provider;

    /// <summary>Creates a system.</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null) => new(name, settings ?? new ActorSystemSettings());

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.Cell.ActorOf(props, name);

    /// <summary>Creates a kernel actor under <c>/system</c>.</summary>
    internal IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.Cell.ActorOf(props, name);

    /// <summary>Looks up actors by absolute path (<c>/user/a/b</c> or <c>akka://name/user/a</c>).</summary>
    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Parse(_root.Cell, path);

    /// <summary>Stops an actor (asynchronously).</summary>
    public void Stop(IActorRef actor) => _userGuardian.Cell.Stop(actor);

    /// <summary>The one instance of an extension (sharding, persistence, coordinated shutdown) in this system.</summary>
    public T GetExtension<T>(Func<ActorSystem, T> create)
        where T : class => (T)_extensions.GetOrAdd(typeof(T), static (_, state) => state.create(state.system), (create, system: this));

    /// <summary>Stops every actor (children before parents) and completes <see cref="WhenTerminated"/>.
    /// For an orderly stop with application hooks, run <see cref="CoordinatedShutdown"/> instead.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0)
        {
            _root.SendSystemMessage(new SystemMessage.Terminate());
        }

        return WhenTerminated;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await Terminate();

    /// <inheritdoc/>
    public override string ToString() => $"ActorSystem({Name})";

    internal LocalActorRef CreateLocalActor(Props props, IInternalActorRef parent, string name, bool isRoot = false)
    {
        var path = isRoot ? _provider.RootPath : parent.Path.Child(name, NewUid());
        return _provider.CreateLocal(props, parent, path);
    }

    internal DedicatedThreadDispatcher? DispatcherOf(Props props)
    {
        DedicatedThreadDispatcher? dispatcher = null;
        if (props.Dispatcher is { } named && !_dispatchers.TryGetValue(named, out dispatcher))
        {
            throw new ArgumentException($"no dispatcher '{named}' in this system's settings (it has: {string.Join(", ", _dispatchers.Keys.DefaultIfEmpty("none"))})", nameof(props));
        }

        return dispatcher;
    }

    internal void OnActorTerminated(ActorCell cell)
    {
        if (ReferenceEquals(cell.SelfRef, _root))
        {
            _scheduler.Dispose();
            foreach (var dispatcher in _dispatchers.Values)
            {
                dispatcher.Dispose();
            }

            _terminated.TrySetResult();
        }
    }

    private static long NewUid()
    {
        long uid;
        do
        {
            uid = Random.Shared.NextInt64();
        }
        while (uid == 0);

        return uid;
    }

    /// <summary>The guardians: they do nothing but supervise (with the default strategy).</summary>
    internal sealed class GuardianActor : ActorBase
    {
        protected internal override bool Receive(object message) => false;
    }

    /// <summary>The parent of the root guardian: it ends the system when the root fails or stops.</summary>
    private sealed class RootParent(ActorSystem system) : IInternalActorRef
    {
        public ActorPath Path { get; } = system.Provider.RootPath.Child("bubble-walker");

        public ActorSystem System => system;

        public bool IsTerminated => system.WhenTerminated.IsCompleted;

        public void Tell(object message, IActorRef? sender) => system.DeadLetters.Tell(message, sender);

        public void SendSystemMessage(SystemMessage message)
        {
            if (message is SystemMessage.Failed failed)
            {
                KernelLog.GuardianFailed(system.KernelLogger, failed.Cause);
                failed.Child.SendSystemMessage(new SystemMessage.Terminate());
            }
        }

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);
    }
}
