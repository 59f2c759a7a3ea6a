using System.Threading.Channels;

namespace ActorTrading.Actors;

/// <summary>
/// One actor's queues and its turn on the thread pool. User messages go through an unbounded
/// channel; system messages through a queue of their own that is drained before every
/// user message. A turn processes at most <c>throughput</c> user messages, then yields the thread so
/// that one busy actor cannot starve the others (Akka's dispatcher throughput). Turns run on the thread pool, or on
/// the dedicated threads of the actor's dispatcher when its props name one.
/// </summary>
/// <remarks>
/// Scheduling is a compare-and-swap on <see cref="_status"/>: whoever moves it from idle to scheduled
/// queues the work item, so an actor is never run by two threads at once. After a turn the mailbox
/// goes back to idle and re-schedules itself if anything arrived meanwhile.
/// </remarks>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Scheduled = 1;
    private const int Closed = 2;

    // Not SingleReader: after a turn ends, HasWork counts the queue while the next turn (on another thread)
    // may already be reading it. The single-reader channel's queue does not promise that is safe; this one does.
    private readonly Channel<Envelope> _user = Channel.CreateUnbounded<Envelope>(
        new UnboundedChannelOptions { SingleReader = false, AllowSynchronousContinuations = false });

    // System messages: a lock-free stack, newest first, taken whole and reversed by the turn. An idle
    // actor holds no queue for them at all (they are rare after Create), which keeps idle actors small.
    private SystemNode? _systemHead;
    private readonly int _throughput;
    private readonly DedicatedThreadDispatcher? _dispatcher;
    private ActorCell _cell = null!;
    private int _status;

    public Mailbox(int throughput, DedicatedThreadDispatcher? dispatcher = null)
    {
        _throughput = throughput;
        _dispatcher = dispatcher;
    }

    /// <summary>User messages waiting (a moment's figure, for metrics).</summary>
    public int Count => _user.Reader.Count;

    public bool IsClosed => (Volatile.Read(ref _status) & Closed) != 0;

    public void SetCell(ActorCell cell) => _cell = cell;

    /// <summary>Returns false when the mailbox is closed: the caller turns the message into a dead letter.</summary>
    public bool Post(in Envelope envelope)
    {
        if (!_user.Writer.TryWrite(envelope))
        {
            return false;
        }

        TrySchedule();
        return true;
    }

    public void PostSystem(SystemMessage message)
    {
        var node = new SystemNode(message);
        SystemNode? head;
        do
        {
            head = Volatile.Read(ref _systemHead);
            node.Next = head;
        }
        while (Interlocked.CompareExchange(ref _systemHead, node, head) != head);

        if (IsClosed)
        {
            // The cell is gone; the closing thread may already have drained. Answer for it.
            DrainSystemMessagesAfterClose();
            return;
        }

        TrySchedule();
    }

    /// <summary>Schedules a turn if there is something to do; used after the cell resumes.</summary>
    public void ScheduleIfNeeded()
    {
        if (HasWork())
        {
            TrySchedule();
        }
    }

    public void Execute()
    {
        var previous = ActorCell.Current;
        ActorCell.Current = _cell;
        try
        {
            ProcessSystemMessages();
            ProcessUserMessages();
        }
        finally
        {
            ActorCell.Current = previous;
            Interlocked.And(ref _status, ~Scheduled);
            if (!IsClosed && HasWork())
            {
                TrySchedule();
            }
        }
    }

    /// <summary>
    /// Closes the mailbox: later posts fail (dead letters) and what is queued is handed to
    /// <paramref name="deadLetter"/>. Runs on the cell's own turn.
    /// </summary>
    public void Close(Action<Envelope> deadLetter)
    {
        Interlocked.Or(ref _status, Closed);
        _user.Writer.TryComplete();
        while (_user.Reader.TryRead(out var envelope))
        {
            deadLetter(envelope);
        }

        DrainSystemMessagesAfterClose();
    }

    private bool HasSystemMessages => Volatile.Read(ref _systemHead) is not null;

    private void DrainSystemMessagesAfterClose()
    {
        for (var node = TakeSystemMessages(); node is not null; node = node.Next)
        {
            _cell.HandleSystemMessageAfterStop(node.Message);
        }
    }

    private void ProcessSystemMessages()
    {
        while (HasSystemMessages)
        {
            for (var node = TakeSystemMessages(); node is not null; node = node.Next)
            {
                if (IsClosed)
                {
                    _cell.HandleSystemMessageAfterStop(node.Message);
                }
                else
                {
                    _cell.SystemInvoke(node.Message);
                }
            }
        }
    }

    /// <summary>Takes every queued system message, oldest first.</summary>
    private SystemNode? TakeSystemMessages()
    {
        var newestFirst = Interlocked.Exchange(ref _systemHead, null);
        SystemNode? oldestFirst = null;
        while (newestFirst is not null)
        {
            var next = newestFirst.Next;
            newestFirst.Next = oldestFirst;
            oldestFirst = newestFirst;
            newestFirst = next;
        }

        return oldestFirst;
    }

    private void ProcessUserMessages()
    {
        var cell = _cell;
        for (var processed = 0; processed < _throughput; processed++)
        {
            if (IsClosed || !cell.CanProcessUserMessages)
            {
                return;
            }

            if (!cell.TryTakeUnstashed(out var envelope) && !_user.Reader.TryRead(out envelope))
            {
                return;
            }

            cell.Invoke(envelope);
            if (HasSystemMessages)
            {
                ProcessSystemMessages();
            }
        }
    }

    // Count, never TryPeek: peeking marks the queue's segment as observed, after which it no longer clears the slots it
    // dequeues. Every actor then kept its last (up to 32) messages alive, and a fan-out's messages all survived the
    // collections that ran during it (a third of gen 0 promoted on each, a pause of 100-200 ms per collection).
    private bool HasWork() =>
        HasSystemMessages
        || (_cell.CanProcessUserMessages && (_cell.HasUnstashed || _user.Reader.Count > 0));

    private void TrySchedule()
    {
        while (true)
        {
            var status = Volatile.Read(ref _status);
            if (status != Idle)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
            {
                if (_dispatcher is null)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                }
                else
                {
                    _dispatcher.Schedule(this);
                }

                return;
            }
        }
    }

    private sealed class SystemNode(SystemMessage message)
    {
        public SystemMessage Message { get; } = message;

        public SystemNode? Next { get; set; }
    }
}
