using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using ActorTrading.Actors;

namespace ActorTrading.Remote.Transport;

/// <summary>
/// One connection a peer dialled: the handshake, then one loop that reads whole frames and tells each message to its
/// local recipient, with the sender as a remote ref. The recipient, sender and manifest strings repeat from frame to frame:
/// each is first compared, as bytes, with the one of the frame before (a burst names the same ones), then looked up
/// without allocating (a per-connection cache keyed by the decoded characters). The payload is read where it lies in the
/// pipe's buffer; nothing is copied unless a frame spans two of its segments.
/// </summary>
internal sealed class InboundConnection
{
    private const int CacheLimit = 10_000;

    // Messages decoded before they are told, at most: the tells then come in bursts, and a recipient's mailbox is
    // scheduled once per burst rather than once per message; the first of them waits for 63 more to be decoded at most.
    private const int DeliveryBurst = 64;

    private readonly RemoteTransport _transport;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop;
    private readonly Dictionary<string, IActorRef> _recipients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _senders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _manifests = new(StringComparer.Ordinal);
    private char[] _chars = new char[512];
    private LastSeen<IActorRef> _lastRecipient;
    private LastSeen<IActorRef> _lastSender;
    private LastSeen<string> _lastManifest;
    private readonly List<(IActorRef Recipient, object Message, IActorRef? Sender)> _decoded = new(DeliveryBurst);
    private Task _run = Task.CompletedTask;
    private string _peer = "unknown";
    private Address? _peerAddress;

    public InboundConnection(RemoteTransport transport, Socket socket)
    {
        _transport = transport;
        _socket = socket;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(transport.Stopping);
    }

    public void Start() => _run = Task.Run(RunAsync);

    public Task StopAsync()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It has ended already.
        }

        _socket.Dispose();
        return _run;
    }

    private async Task RunAsync()
    {
        var settings = _transport.Settings;
        var endpoint = _socket.RemoteEndPoint?.ToString() ?? "an unknown endpoint";
        var stream = new NetworkStream(_socket, ownsSocket: true);
        // Segments as big as the peer's writes: most reads then take a whole batch, and few frames span two segments.
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: settings.MaxBatchBytes, minimumReadSize: settings.MaxBatchBytes / 4, leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            PeerIdentity peer;
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshake.CancelAfter(settings.HandshakeTimeout);
                peer = await Handshake.RunAsync(reader, writer, dialer: false, _transport.Secret, _transport.LocalAddress, _transport.Uid, settings.MaxFrameBytes, handshake.Token);
            }
            catch (Exception exception) when (!_stop.IsCancellationRequested && exception is not OutOfMemoryException)
            {
                _transport.CountRejected();
                var reason = exception is OperationCanceledException
                    ? $"no handshake within HandshakeTimeout ({settings.HandshakeTimeout.TotalSeconds:0.#} s)"
                    : $"handshake failed: {exception.Message}";
                RemoteLog.InboundRejected(_transport.Logger, endpoint, reason);
                return;
            }

            _peer = peer.Address.ToString();
            _peerAddress = peer.Address;
            RemoteLog.InboundAccepted(_transport.Logger, _peer, peer.Uid, endpoint);
            var closed = "the peer closed it";
            try
            {
                await ReadLoopAsync(reader, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                closed = "this node stops";
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                closed = _stop.IsCancellationRequested ? "this node stops" : exception.Message;
            }

            RemoteLog.InboundClosed(_transport.Logger, _peer, closed);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await reader.CompleteAsync();
            await writer.CompleteAsync();
            await stream.DisposeAsync();
            _transport.Forget(this);
            _stop.Dispose();
        }
    }

    private async Task ReadLoopAsync(PipeReader reader, CancellationToken token)
    {
        var maxFrameBytes = _transport.Settings.MaxFrameBytes;
        while (true)
        {
            var result = await reader.ReadAsync(token);
            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    // The frames that lie whole in the first segment (nearly all of them), as slices of it.
                    var first = buffer.First;
                    var at = 0;
                    while (Frames.TryRead(first, ref at, maxFrameBytes, out var body))
                    {
                        Deliver(body);
                    }

                    buffer = buffer.Slice(at);
                    // Then one that spans two segments, copied once, or none: wait for more.
                    if (!Frames.TryRead(ref buffer, maxFrameBytes, out var spanning))
                    {
                        break;
                    }

                    Deliver(spanning.IsSingleSegment ? spanning.First : spanning.ToArray());
                }
            }
            finally
            {
                // What this read held is told before the loop waits for more.
                TellDecoded();
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private void Deliver(ReadOnlyMemory<byte> memory)
    {
        var span = memory.Span;
        if (span[0] != Frames.MessageKind)
        {
            DeliverControl(span);
            return;
        }

        var at = 1;
        var recipientBytes = Frames.ReadString(span, ref at, "recipient path");
        var senderBytes = Frames.ReadString(span, ref at, "sender path");
        var manifestBytes = Frames.ReadString(span, ref at, "manifest");
        _transport.CountReceived();
        if (!_lastRecipient.TryGet(recipientBytes, out var recipient) || recipient is IInternalActorRef { IsTerminated: true })
        {
            recipient = Resolve(_recipients, recipientBytes, asRecipient: true);
            if (recipient is null)
            {
                return;
            }

            _lastRecipient = new LastSeen<IActorRef>(recipientBytes, recipient);
        }

        IActorRef? sender = null;
        if (!senderBytes.IsEmpty && (!_lastSender.TryGet(senderBytes, out sender) || sender is IInternalActorRef { IsTerminated: true }))
        {
            sender = Resolve(_senders, senderBytes, asRecipient: false);
            if (sender is not null)
            {
                _lastSender = new LastSeen<IActorRef>(senderBytes, sender);
            }
        }

        if (!_lastManifest.TryGet(manifestBytes, out var manifest))
        {
            manifest = Manifest(manifestBytes);
            _lastManifest = new LastSeen<string>(manifestBytes, manifest);
        }

        object message;
        try
        {
            message = _transport.Provider.Serializer.Deserialize(manifest, memory[at..]);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            RemoteLog.FrameDropped(_transport.Logger, _peer, $"message '{manifest}' to {recipient.Path} cannot be read: {exception.Message}");
            return;
        }

        _decoded.Add((recipient, message, sender));
        if (_decoded.Count == DeliveryBurst)
        {
            TellDecoded();
        }
    }

    private void TellDecoded()
    {
        foreach (var (recipient, message, sender) in _decoded)
        {
            recipient.Tell(message, sender);
        }

        _decoded.Clear();
    }

    /// <summary>The death watch's frames: watch, unwatch, terminated.</summary>
    private void DeliverControl(ReadOnlySpan<byte> span)
    {
        // Messages read before a death watch frame are told before it.
        TellDecoded();
        var kind = span[0];
        if (kind is not (Frames.WatchKind or Frames.UnwatchKind or Frames.TerminatedKind) || _peerAddress is null)
        {
            throw new FrameException($"frame of kind {kind} after the handshake (only messages and death watch may follow it)");
        }

        var at = 1;
        var path = Encoding.UTF8.GetString(Frames.ReadString(span, ref at, "watched path"));
        var provider = _transport.Provider;
        switch (kind)
        {
            case Frames.WatchKind:
                provider.WatchedByPeer(_peerAddress, path);
                break;
            case Frames.UnwatchKind:
                provider.UnwatchedByPeer(_peerAddress, path);
                break;
            default:
                provider.RemoteTerminated(path, existenceConfirmed: span.Length > at && span[at] == 1);
                break;
        }
    }

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> bytes)
    {
        var needed = Encoding.UTF8.GetMaxCharCount(bytes.Length);
        if (_chars.Length < needed)
        {
            _chars = new char[needed];
        }

        return _chars.AsSpan(0, Encoding.UTF8.GetChars(bytes, _chars));
    }

    private string Manifest(ReadOnlySpan<byte> bytes)
    {
        var chars = Decode(bytes);
        if (_manifests.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var known))
        {
            return known;
        }

        var manifest = new string(chars);
        if (_manifests.Count < CacheLimit)
        {
            _manifests[manifest] = manifest;
        }

        return manifest;
    }

    /// <summary>The ref a path on the wire names; null (logged) when a recipient is not on this node or a path cannot be read.</summary>
    private IActorRef? Resolve(Dictionary<string, IActorRef> cache, ReadOnlySpan<byte> bytes, bool asRecipient)
    {
        var chars = Decode(bytes);
        // A path without a uid may name a later actor once this one has stopped: a stopped one is looked up again.
        if (cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var known) && known is not IInternalActorRef { IsTerminated: true })
        {
            return known;
        }

        var text = new string(chars);
        if (!ActorPath.TryParse(text, out var path) || path is null)
        {
            RemoteLog.FrameDropped(_transport.Logger, _peer, $"{(asRecipient ? "recipient" : "sender")} '{text}' is not an actor path");
            return null;
        }

        var provider = _transport.Provider;
        if (asRecipient && !provider.IsLocal(path.Address))
        {
            RemoteLog.FrameDropped(_transport.Logger, _peer, $"recipient {text} is not on this node ({provider.Address})");
            return null;
        }

        IActorRef resolved;
        try
        {
            resolved = provider.ResolveActorRef(path);
        }
        catch (UnknownAddressException exception)
        {
            RemoteLog.FrameDropped(_transport.Logger, _peer, exception.Message);
            return null;
        }

        if (cache.Count >= CacheLimit)
        {
            cache.Clear();
        }

        cache[text] = resolved;

        return resolved;
    }
}

/// <summary>The value for the bytes of the frame before: one comparison instead of a decode and a lookup.</summary>
internal readonly struct LastSeen<T>(ReadOnlySpan<byte> key, T value)
    where T : class
{
    private readonly byte[]? _key = key.ToArray();
    private readonly T? _value = value;

    public bool TryGet(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value)
    {
        value = _key is not null && key.SequenceEqual(_key) ? _value : null;
        return value is not null;
    }
}
