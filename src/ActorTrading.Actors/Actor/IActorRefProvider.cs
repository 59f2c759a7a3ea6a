namespace ActorTrading.Actors;

/// <summary>
/// Makes and finds the refs of a system (Akka's actor-ref provider). The local one knows only this process;
/// a remote one (the cluster) answers paths with another node's address with refs that send over the wire.
/// </summary>
public interface IActorRefProvider
{
    /// <summary>The address of the system, the first part of every path it makes.</summary>
    Address Address { get; }

    /// <summary>The root guardian's path: <see cref="Address"/> and no elements.</summary>
    ActorPath RootPath { get; }

    /// <summary>The ref for <paramref name="path"/>. A path of this system to no live actor (or to another incarnation
    /// than its uid names) gives a ref whose messages become dead letters; an address the provider cannot reach throws
    /// <see cref="UnknownAddressException"/>.</summary>
    IActorRef ResolveActorRef(ActorPath path);

    /// <summary>Makes the ref of a new actor at <paramref name="path"/>, supervised by <paramref name="supervisor"/>
    /// (a ref this provider made); the actor starts when its parent starts it.</summary>
    IActorRef ActorOf(Props props, IActorRef supervisor, ActorPath path);
}

/// <summary>A path names an address the provider cannot reach (another node, without remoting).</summary>
public sealed class UnknownAddressException(ActorPath path, Address localAddress)
    : ActorException($"actor path '{path}' has address '{path.Address}', which this system cannot reach: it is '{localAddress}' and has no remoting")
{
    /// <summary>The path that was resolved.</summary>
    public ActorPath Path { get; } = path;
}

/// <summary>Resolves serialized paths.</summary>
public static class ActorRefProviderExtensions
{
    /// <summary>The ref for a path string (<see cref="ActorPath.ToSerializationFormat()"/>); <see cref="FormatException"/>
    /// for one that is not a path.</summary>
    public static IActorRef ResolveActorRef(this IActorRefProvider provider, string path) => provider.ResolveActorRef(ActorPath.Parse(path));
}
