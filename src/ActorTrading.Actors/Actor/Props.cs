namespace ActorTrading.Actors;

/// <summary>
/// How to make an actor: a factory, and settings that belong to the actor rather than to the code
/// that creates it. Immutable; the factory is called again on every restart, so it must build fresh state.
/// </summary>
public sealed record Props
{
    private Props(Func<ActorBase> factory, Type? actorType)
    {
        Factory = factory;
        ActorType = actorType;
    }

    /// <summary>Builds a new instance.</summary>
    public Func<ActorBase> Factory { get; }

    /// <summary>The actor's class, when known (used for logging categories).</summary>
    public Type? ActorType { get; }

    /// <summary>Overrides the actor's own strategy for its children.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; init; }

    /// <summary>Messages per turn for this actor; null takes the system's default.</summary>
    public int? Throughput { get; init; }

    /// <summary>The dispatcher that runs this actor's turns: one named in <see cref="ActorSystemSettings.Dispatchers"/>, or
    /// null for the .NET thread pool (the default).</summary>
    public string? Dispatcher { get; init; }

    /// <summary>Props for an actor with a public parameterless constructor.</summary>
    public static Props Create<TActor>()
        where TActor : ActorBase, new() => new(static () => new TActor(), typeof(TActor));

    /// <summary>Props from a factory; it must create a new instance every call.</summary>
    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase => new(factory, typeof(TActor));

    /// <summary>The same props on the named dispatcher.</summary>
    public Props WithDispatcher(string dispatcher) => this with { Dispatcher = dispatcher };

    /// <summary>The same props with another supervisor strategy for the actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy };

    internal ActorBase NewActor() => Factory();
}
