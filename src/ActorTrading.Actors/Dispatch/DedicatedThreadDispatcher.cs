using System.Collections.Concurrent;

namespace ActorTrading.Actors;

/// <summary>
/// Threads of their own that run the turns of the actors whose props name this dispatcher (Akka's dispatcher with a
/// dedicated pool). Everything else runs on the .NET thread pool, whose one queue is shared by every actor, socket
/// and timer continuation: ten thousand actors woken at once queue ahead of all of it. On a dispatcher of their own,
/// they queue only ahead of each other.
/// </summary>
internal sealed class DedicatedThreadDispatcher : IDisposable
{
    private readonly BlockingCollection<Mailbox> _queue = new(new ConcurrentQueue<Mailbox>());
    private readonly Thread[] _threads;

    public DedicatedThreadDispatcher(string name, int threads)
    {
        Name = name;
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            // Background threads: a system never terminated does not keep the process alive.
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"actors-{name}-{i}" };
            _threads[i].Start();
        }
    }

    public string Name { get; }

    public void Schedule(Mailbox mailbox)
    {
        // After the system terminated its actors are gone; a late wake-up has nothing left to run.
        if (!_queue.IsAddingCompleted)
        {
            try
            {
                _queue.Add(mailbox);
            }
            catch (InvalidOperationException) when (_queue.IsAddingCompleted)
            {
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }

        // Not disposed: a late wake-up (a reply to an actor already gone) may still look at it.
    }

    // An exception out of a turn is the kernel's bug, not an actor's (those go to supervision): like a thread pool work
    // item's, it ends the process rather than silently costing the dispatcher a thread.
    private void Run()
    {
        foreach (var mailbox in _queue.GetConsumingEnumerable())
        {
            mailbox.Execute();
        }
    }
}
