using System.Collections.Concurrent;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// The baseline every kernel figure is compared with: a mailbox and nothing else. A
/// <see cref="ConcurrentQueue{T}"/>, a scheduled flag flipped with <see cref="Interlocked"/>, and a turn
/// on the thread pool (<see cref="ThreadPool.UnsafeQueueUserWorkItem(IThreadPoolWorkItem, bool)"/>,
/// not preferring the local queue, as the kernel does) that handles at most <see cref="Throughput"/>
/// messages. No envelope, no sender, no system messages, no behaviour lookup, no supervision.
/// </summary>
public abstract class BareMailbox : IThreadPoolWorkItem
{
    /// <summary>Messages per turn, the kernel's default (<see cref="ActorSystemSettings.Throughput"/>).</summary>
    public const int Throughput = 30;

    private readonly ConcurrentQueue<object> _queue = new();
    private int _scheduled;

    public void Post(object message)
    {
        _queue.Enqueue(message);
        TrySchedule();
    }

    public void Execute()
    {
        for (var processed = 0; processed < Throughput && _queue.TryDequeue(out var message); processed++)
        {
            Handle(message);
        }

        // A full fence between clearing the flag and looking at the queue: a post that saw the flag set
        // relies on this check to get its message processed.
        Interlocked.Exchange(ref _scheduled, 0);
        if (!_queue.IsEmpty)
        {
            TrySchedule();
        }
    }

    protected abstract void Handle(object message);

    private void TrySchedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }
}

/// <summary>A bare mailbox that ignores what it gets: the baseline of an idle actor.</summary>
public sealed class IdleBareMailbox : BareMailbox
{
    private readonly LifecycleCounter? _processed;

    public IdleBareMailbox(LifecycleCounter? processed = null) => _processed = processed;

    protected override void Handle(object message) => _processed?.Signal();
}
