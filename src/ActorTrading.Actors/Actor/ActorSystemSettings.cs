using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorTrading.Actors;

/// <summary>Settings of an actor system. Every key, its default and why (the kernel's reference.conf).</summary>
public sealed record ActorSystemSettings
{
    /// <summary>User messages an actor processes per turn before yielding its thread (Akka's dispatcher
    /// throughput). Higher favours throughput, lower favours fairness between actors. Default 30.</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>How many dead letters are logged; all are counted and published regardless. Default 10.</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary>Timeout of an ask that does not give one. Default 10 s.</summary>
    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time source for timers, the scheduler, supervision windows and asks. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where kernel and actor logs go. Default: nowhere (they are still published on the event stream).</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Lowest level of log entries published on the event stream as <see cref="LogEvent"/>. Default Information.</summary>
    public LogLevel EventStreamLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Dispatchers with threads of their own, by name, with their number of threads; an actor runs on one when its
    /// props name it (<see cref="Props.Dispatcher"/>). Give one to actors that are many and wake together (a fan-out),
    /// so that they queue behind each other and not ahead of everything else. Default: none (all on the thread pool).</summary>
    public IReadOnlyDictionary<string, int> Dispatchers { get; init; } = new Dictionary<string, int>();

    /// <summary>The system's address, the first part of every path it makes (its system must be the system's name). Default:
    /// local, <c>akka://name</c>; a node other nodes reach gives <c>akka.tcp://name@host:port</c>.</summary>
    public Address? Address { get; init; }

    /// <summary>Makes the system's provider from the local one, which it wraps (Akka's <c>akka.actor.provider</c>): remoting
    /// installs its provider here so that paths of other nodes resolve to refs that send over the wire. It runs once, at the
    /// end of <see cref="ActorSystem.Create"/>. Default: none (the local provider alone).</summary>
    public Func<ActorSystem, IActorRefProvider, IActorRefProvider>? ProviderFactory { get; init; }

    /// <summary>Timeout of each coordinated shutdown phase. Default 10 s.</summary>
    public TimeSpan ShutdownPhaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws with the name of the first invalid setting.</summary>
    public void Validate()
    {
        if (Throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Throughput), Throughput, "Throughput must be at least 1");
        }

        if (LogDeadLetters < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LogDeadLetters), LogDeadLetters, "LogDeadLetters must not be negative");
        }

        if (DefaultAskTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultAskTimeout), DefaultAskTimeout, "DefaultAskTimeout must be positive");
        }

        foreach (var (name, threads) in Dispatchers)
        {
            if (string.IsNullOrWhiteSpace(name) || threads is < 1 or > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(Dispatchers), threads, $"Dispatchers['{name}'] must have a name and 1 to 256 threads");
            }
        }

        if (ShutdownPhaseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownPhaseTimeout), ShutdownPhaseTimeout, "ShutdownPhaseTimeout must be positive");
        }
    }
}
