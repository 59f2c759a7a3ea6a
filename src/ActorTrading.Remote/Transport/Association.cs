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
/// Senders only queue (a bounded channel: past <see cref="RemoteSettings.OutboundQueueLimit"/> a message is a dead letter
/// at once). The loop takes everything queued, up to <see cref="RemoteSettings.MaxBatchBytes"/>, writes it and flushes
/// once: many frames per socket write, and the order of the queue, which is the order of the tells.
/// </summary>
internal sealed class Association
{
    private readonly RemoteTransport _transport;
    private readonly Channel<OutboundFrame> _queue;
    private readonly CancellationTokenSource _stop;
    private int _overflowLogged;
    private long _peerUid;

    public Association(RemoteTransport transport, Address remote)
    {
        _transport = transport;
        Remote = remote;
        // Stop drains the queue while the loop may still read it: not a single reader.
        _queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(transport.Settings.OutboundQueueLimit)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(transport.Stopping);
        Completion = Task.Run(RunAsync);
    }

    public Address Remote { get; }

    public Task Completion { get; }

    public void Enqueue(OutboundFrame frame)
    {
        // TryWrite on a full bounded channel fails at once: the sender never waits for the network.
        if (_queue.Writer.TryWrite(frame))
        {
            return;
        }

        if (Interlocked.Exchange(ref _overflowLogged, 1) == 0 && !_stop.IsCancellationRequested)
        {
            RemoteLog.QueueFull(_transport.Logger, Remote.ToString(), _transport.Settings.OutboundQueueLimit);
        }

        _transport.Provider.DeadLetter(frame);
    }

    /// <summary>Stops the loop; what is still queued becomes dead letters. Their count.</summary>
    public int Stop()
    {
        _queue.Writer.TryComplete();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped before.
        }

        var dropped = 0;
        while (_queue.Reader.TryRead(out var frame))
        {
            _transport.Provider.DeadLetter(frame);
            dropped++;
        }

        return dropped;
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var settings = _transport.Settings;
        var backoff = settings.ReconnectBackoffMin;
        try
        {
            // Dial only when there is something to send: an idle association to a dead node costs nothing.
            while (await _queue.Reader.WaitToReadAsync(token))
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
                await WriteLoopAsync(writer, attempt.Token);
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

    private async Task WriteLoopAsync(PipeWriter writer, CancellationToken token)
    {
        var maxBatchBytes = _transport.Settings.MaxBatchBytes;
        var batch = new List<OutboundFrame>();
        var queue = _queue.Reader;
        while (await queue.WaitToReadAsync(token))
        {
            // One hop to the back of the thread pool's queue before taking the batch: a burst being told right now
            // (a fan-out) goes out in one write, not in one write per wake-up.
            await Task.Yield();
            var bytes = 0;
            while (bytes < maxBatchBytes && queue.TryRead(out var frame))
            {
                writer.Write(frame.Frame);
                bytes += frame.Frame.Length;
                batch.Add(frame);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            FlushResult result;
            try
            {
                result = await writer.FlushAsync(token);
            }
            catch
            {
                // Whether they reached the peer is unknown; they are reported, not silently lost.
                foreach (var lost in batch)
                {
                    _transport.Provider.DeadLetter(lost);
                }

                throw;
            }

            _transport.CountBatch(batch.Count);
            batch.Clear();
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("the connection stopped taking data");
            }
        }
    }
}

/// <summary>An association ended; <see cref="WasUp"/> when it had passed the handshake first (the backoff starts over).</summary>
internal sealed class AssociationException(string message, bool wasUp) : IOException(message)
{
    public bool WasUp { get; } = wasUp;
}
