namespace ActorTrading.Actors.Tests;

/// <summary>Small actors shared by the kernel's specifications.</summary>
internal sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(message => Sender.Tell(message, Self));
}

/// <summary>Reports lifecycle hooks to a probe and fails on demand.</summary>
internal sealed class LifecycleActor : ReceiveActor
{
    private readonly IActorRef _probe;
    private int _count;

    public LifecycleActor(IActorRef probe)
    {
        _probe = probe;
        Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("boom"));
        Receive<string>(s => s == "count", _ => Sender.Tell(_count, Self));
        Receive<string>(s => s == "inc", _ => _count++);
        ReceiveAny(message => _probe.Tell(message, Self));
    }

    protected override void PreStart() => _probe.Tell("PreStart", Self);

    protected override void PostStop() => _probe.Tell("PostStop", Self);

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"PreRestart:{message}", Self);
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell("PostRestart", Self);
        base.PostRestart(reason);
    }
}

/// <summary>A parent that creates children from props on request and supervises them with a given strategy.</summary>
internal sealed class Supervisor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;

    public Supervisor(SupervisorStrategy strategy)
    {
        _strategy = strategy;
        Receive<(Props Props, string Name)>(request => Sender.Tell(Context.ActorOf(request.Props, request.Name), Self));
        Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("supervisor boom"));
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;
}
