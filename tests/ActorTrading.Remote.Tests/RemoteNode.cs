using System.Net;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using ActorTrading.Actors.Serialization;
using ActorTrading.Remote.Transport;

namespace ActorTrading.Remote.Tests;

/// <summary>The messages the specs send across.</summary>
public static class RemoteTestProtocol
{
    public sealed record Ping(int N, IActorRef ReplyTo);

    public sealed record Pong(int N);

    public sealed record Numbered(int N);

    /// <summary>A numbered message with a body of any size (to make frames span the read loop's segments).</summary>
    public sealed record Blob(int N, string Body);

    public static MessageSerializer Serializer(IActorRefProvider provider) => MessageSerializer.Create()
        .WithResolver(RemoteTestJsonContext.Default)
        .Add<Ping>("remote-test.ping", 1)
        .Add<Pong>("remote-test.pong", 1)
        .Add<Numbered>("remote-test.numbered", 1)
        .Add<Blob>("remote-test.blob", 1)
        .Build(provider);
}

[JsonSerializable(typeof(RemoteTestProtocol.Ping))]
[JsonSerializable(typeof(RemoteTestProtocol.Pong))]
[JsonSerializable(typeof(RemoteTestProtocol.Numbered))]
[JsonSerializable(typeof(RemoteTestProtocol.Blob))]
internal sealed partial class RemoteTestJsonContext : JsonSerializerContext;

/// <summary>One node of a spec: an actor system with remoting on a loopback port of its own.</summary>
public sealed class RemoteNode : IAsyncDisposable
{
    public const string Secret = "spec-cluster-secret-0123456789";

    private RemoteNode(ActorSystem system)
    {
        System = system;
        Remote = RemoteActorRefProvider.Of(system);
        Logs = new Inbox();
        System.EventStream.Subscribe(System.ActorOf(Logs.Props, "logs"), typeof(LogEvent));
    }

    public ActorSystem System { get; }

    public RemoteActorRefProvider Remote { get; }

    public RemoteTransport Transport => Remote.Transport;

    public Address Address => System.Address;

    /// <summary>Everything logged on this node (Information and up).</summary>
    public Inbox Logs { get; }

    /// <summary>Starts a node named <paramref name="name"/> on 127.0.0.1: a free port, or <paramref name="port"/>.</summary>
    public static RemoteNode Start(string name, string secret = Secret, int port = 0, Func<RemoteSettings, RemoteSettings>? configure = null)
    {
        var listener = RemoteTransport.Listen(new IPEndPoint(IPAddress.Loopback, port));
        var bound = ((IPEndPoint)(listener.LocalEndPoint ?? throw new InvalidOperationException("listener has no endpoint"))).Port;
        var remote = new RemoteSettings { Secret = secret, Serializer = RemoteTestProtocol.Serializer, Listener = listener };
        var settings = new ActorSystemSettings { Address = new Address(Address.TcpProtocol, name, "127.0.0.1", bound) }
            .WithRemoting(configure?.Invoke(remote) ?? remote);
        return new RemoteNode(ActorSystem.Create(name, settings));
    }

    /// <summary>The ref this node has for an actor of another node.</summary>
    public IActorRef RefTo(IActorRef actorOfAnotherNode) => Remote.ResolveActorRef(actorOfAnotherNode.Path.ToSerializationFormat());

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
        await Transport.DisposeAsync();
    }
}

/// <summary>A real actor (so it has a path other nodes can reach) that keeps what it receives for the spec to read.</summary>
public sealed class Inbox
{
    private readonly Channel<(object Message, IActorRef? Sender)> _received = Channel.CreateUnbounded<(object, IActorRef?)>();
    private readonly List<(object Message, IActorRef? Sender)> _taken = [];

    public Props Props => Props.Create(() => new Collector(_received.Writer));

    public int Count => _received.Reader.Count;

    /// <summary>The next message (and its sender) within <paramref name="timeout"/> (default 10 s).</summary>
    public async Task<(object Message, IActorRef? Sender)> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            var next = await _received.Reader.ReadAsync(deadline.Token);
            _taken.Add(next);
            return next;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds:0.#} s");
        }
    }

    /// <summary>The next <typeparamref name="T"/> that matches, skipping others, within <paramref name="timeout"/> (default 10 s).</summary>
    public async Task<T> FishAsync<T>(Func<T, bool> match, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            while (true)
            {
                var (message, _) = await _received.Reader.ReadAsync(deadline.Token);
                if (message is T typed && match(typed))
                {
                    return typed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {what} within {limit.TotalSeconds:0.#} s");
        }
    }

    public bool TryTake(out (object Message, IActorRef? Sender) next) => _received.Reader.TryRead(out next);

    private sealed class Collector(ChannelWriter<(object, IActorRef?)> sink) : ActorBase
    {
        protected override bool Receive(object message) => sink.TryWrite((message, Sender));
    }
}
