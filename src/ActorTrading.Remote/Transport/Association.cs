using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using ActorTrading.Actors;

namespace ActorTrading.Remote.Transport;

/// <summary>
/// The one outbound connection to one node, and its one writer loop:
/// <code>
///   idle ──message queued──▶ dialling ──handshake passed──▶ up (writes batches)
///     ▲                         │ failed                      │ peer gone / write failed
///     └──── backoff (doubles, capped) ◀───────────────────────┘
/// </code>
/// Senders only queue: each frame is written, under a lock, straight onto the end of the pending
/// <see cref="FrameBatch"/> (no array per message), and past <see cref="RemoteSettings.OutboundQueueLimit"/> queued
/// frames a message is a dead letter at once. The loop swaps the pending batch for an empty one and writes its chunks
/// (up to <see cref="RemoteSettings.MaxBatchBytes"/> each): many frames per socket write, and the order of the queue,
/// which is the order of the tells. The two batches take turns and their chunks come from the array pool, so a steady
/// stream allocates nothing.
/// </summary>
internal sealed class Association
{
    private readonly RemoteTransport _transport;
    private readonly Lock _lock = new();
    // Rung when the pending buffer stops being empty; the loop checks the buffer itself, so a lost ring costs nothing.
    private readonly Channel<byte> _wake;
    private readonly CancellationTokenSource _stop;
    private FrameBatch _pending;
    private FrameBatch _spare;
    private bool _stopped;
    private int _overflowLogged;
    private long _peerUid;

    public Association(RemoteTransport transport, Address remote)
    {
        _transport = transport;
        Remote = remote;
        _wake = Channel.CreateBounded<byte>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = false,
        });
        _pending = new FrameBatch(transport.Settings.MaxBatchBytes);
        _spare = new FrameBatch(transport.Settings.MaxBatchBytes);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(transport.Stopping);
        Completion = Task.Run(RunAsync);
    }

    public Address Remote { get; }

    public Task Completion { get; }

    /// <summary>Queues a frame built already (the death watch's); <paramref name="frame"/> is copied.</summary>
    public void Enqueue(ReadOnlySpan<byte> frame, OutboundFrame carried)
    {
        bool wake;
        lock (_lock)
        {
            if (!Admits())
            {
                goto Refused;
            }

            frame.CopyTo(_pending.Reserve(frame.Length));
            wake = Added(carried);
        }

        Wake(wake);
        return;
    Refused:
        Refuse(carried);
    }

    /// <summary>Queues a message frame of <paramref name="length"/> bytes (<see cref="Frames.MessageLength"/>), framed
    /// straight into the pending buffer.</summary>
    public void EnqueueMessage(ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> sender, string manifest, ReadOnlySpan<byte> payload, int length, OutboundFrame carried)
    {
        bool wake;
        lock (_lock)
        {
            if (!Admits())
            {
                goto Refused;
            }

            Frames.WriteMessage(_pending.Reserve(length), recipient, sender, manifest, payload);
            wake = Added(carried);
        }

        Wake(wake);
        return;
    Refused:
        Refuse(carried);
    }

    /// <summary>Stops the loop; what is still queued becomes dead letters. Their count.</summary>
    public int Stop()
    {
        OutboundFrame[] dropped;
        lock (_lock)
        {
            _stopped = true;
            dropped = [.. _pending.Carried];
            _pending.Clear();
        }

        _wake.Writer.TryComplete();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped before.
        }

        foreach (var frame in dropped)
        {
            _transport.Provider.DeadLetter(frame);
        }

        return dropped.Length;
    }

    // Under the lock: room for one more frame. A sender never waits for the network.
    private bool Admits() => !_stopped && _pending.Count < _transport.Settings.OutboundQueueLimit;

    // Under the lock: records what the frame just written carries; true when the buffer was empty (the loop may sleep).
    private bool Added(OutboundFrame carried)
    {
        _pending.Carried.Add(carried);
        return _pending.Count == 1;
    }

    private void Wake(bool wake)
    {
        if (wake)
        {
            _wake.Writer.TryWrite(0);
        }
    }

    private void Refuse(OutboundFrame carried)
    {
        if (!_stop.IsCancellationRequested && Interlocked.Exchange(ref _overflowLogged, 1) == 0)
        {
            RemoteLog.QueueFull(_transport.Logger, Remote.ToString(), _transport.Settings.OutboundQueueLimit);
        }

        _transport.Provider.DeadLetter(carried);
    }

    /// <summary>Waits until something is queued: true, or false once stopped.</summary>
    private async ValueTask<bool> WaitForFramesAsync(CancellationToken token)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_stopped)
                {
                    return false;
                }

                if (_pending.Count > 0)
                {
                    return true;
                }
            }

            if (!await _wake.Reader.WaitToReadAsync(token))
            {
                return false;
            }

            _wake.Reader.TryRead(out _);
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var settings = _transport.Settings;
        var backoff = settings.ReconnectBackoffMin;
        try
        {
            // Dial only when there is something to send: an idle association to a dead node costs nothing.
            while (await WaitForFramesAsync(token))
            {
                string reason;
                var wasUp = false;
                try
                {
                    wasUp = await ConnectAndWriteAsync(token);
                    reason = "the connection closed";
                }
                catch (Exception exception) when (!token.IsCancellationRequested && exception is not OutOfMemoryException)
                {
                    if (exception is HandshakeException)
                    {
                        _transport.CountRejected();
                    }

                    reason = exception.Message;
                    wasUp = exception is AssociationException { WasUp: true };
                }

                if (wasUp)
                {
                    backoff = settings.ReconnectBackoffMin;
                }

                RemoteLog.AssociationFailed(_transport.Logger, Remote.ToString(), (long)backoff.TotalMilliseconds, reason);
                await Task.Delay(backoff, _transport.Provider.System.TimeProvider, token);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, settings.ReconnectBackoffMax.Ticks));
            }
        }
        catch (Exception exception) when (token.IsCancellationRequested && exception is not OutOfMemoryException)
        {
            // Stopped (whatever the connection was doing then): Stop turns what is queued into dead letters.
        }
        catch (ChannelClosedException)
        {
            // Stopped.
        }
        finally
        {
            _stop.Dispose();
        }
    }

    /// <summary>Dials, passes the handshake and writes until the connection ends; true when it was up.</summary>
    private async Task<bool> ConnectAndWriteAsync(CancellationToken token)
    {
        var settings = _transport.Settings;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        attempt.CancelAfter(settings.HandshakeTimeout);
        var endpoint = await RemoteTransport.ResolveAsync(Remote, attempt.Token);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, attempt.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new TimeoutException($"no connection to {endpoint} within HandshakeTimeout ({settings.HandshakeTimeout.TotalSeconds:0.#} s)");
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        var peerClosed = 0;
        Task? watchingClose = null;
        var up = false;
        try
        {
            try
            {
                var peer = await Handshake.RunAsync(reader, writer, dialer: true, _transport.Secret, _transport.LocalAddress, _transport.Uid, settings.MaxFrameBytes, attempt.Token);
                if (!peer.Address.Equals(Remote))
                {
                    throw new HandshakeException($"the node at {endpoint} says it is {peer.Address}, not {Remote}");
                }

                if (_peerUid != 0 && _peerUid != peer.Uid)
                {
                    RemoteLog.PeerRestarted(_transport.Logger, Remote.ToString(), _peerUid, peer.Uid);
                }

                _peerUid = peer.Uid;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                throw new TimeoutException($"no handshake within HandshakeTimeout ({settings.HandshakeTimeout.TotalSeconds:0.#} s)");
            }

            attempt.CancelAfter(Timeout.InfiniteTimeSpan);
            up = true;
            Interlocked.Exchange(ref _overflowLogged, 0);
            RemoteLog.Associated(_transport.Logger, Remote.ToString(), _peerUid);
            // The peer never writes after the handshake: a read that ends means it has gone.
            watchingClose = WatchForCloseAsync(reader, attempt, () => Interlocked.Exchange(ref peerClosed, 1));
            try
            {
                await WriteLoopAsync(stream, attempt.Token);
            }
            catch (Exception exception) when (!token.IsCancellationRequested && exception is OperationCanceledException or IOException or SocketException)
            {
                throw new AssociationException(Volatile.Read(ref peerClosed) == 1 ? "the peer closed the connection" : exception.Message, wasUp: true);
            }

            return true;
        }
        catch (Exception exception) when (up && exception is not AssociationException && !token.IsCancellationRequested)
        {
            throw new AssociationException(exception.Message, wasUp: true);
        }
        finally
        {
            socket.Dispose();
            await reader.CompleteAsync();
            await writer.CompleteAsync();
            if (watchingClose is not null)
            {
                await watchingClose;
            }

            await stream.DisposeAsync();
        }
    }

    private static async Task WatchForCloseAsync(PipeReader reader, CancellationTokenSource attempt, Action closed)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(attempt.Token);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection ended under us: the same as a close.
        }

        closed();
        try
        {
            await attempt.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The attempt was over already.
        }
    }

    private async Task WriteLoopAsync(NetworkStream stream, CancellationToken token)
    {
        while (await WaitForFramesAsync(token))
        {
            // One hop to the back of the thread pool's queue before taking the batch: a burst being told right now
            // (a fan-out) goes out in one write, not in one write per wake-up.
            await Task.Yield();
            FrameBatch batch;
            lock (_lock)
            {
                (batch, _pending) = (_pending, _spare);
            }

            try
            {
                var chunks = batch.Chunks();
                foreach (var chunk in chunks)
                {
                    await stream.WriteAsync(chunk, token);
                }

                _transport.CountBatch(batch.Count, chunks.Count);
            }
            catch
            {
                // Whether they reached the peer is unknown; they are reported, not silently lost.
                foreach (var lost in batch.Carried)
                {
                    _transport.Provider.DeadLetter(lost);
                }

                throw;
            }
            finally
            {
                // Only this loop touches the spare: it is handed back empty for the next swap.
                batch.Clear();
                _spare = batch;
            }
        }
    }
}

/// <summary>An association ended; <see cref="WasUp"/> when it had passed the handshake first (the backoff starts over).</summary>
internal sealed class AssociationException(string message, bool wasUp) : IOException(message)
{
    public bool WasUp { get; } = wasUp;
}
