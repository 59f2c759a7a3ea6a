using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>
/// <c>idle-memory</c>: retained bytes per idle actor. Creates N actors, waits until every one has
/// answered an <see cref="Identify"/> (so its Create has been processed and it has handled a user
/// message), then reads <see cref="GC.GetTotalMemory(bool)"/> after forced collections and divides the
/// growth by N. Baseline: N <see cref="IdleBareMailbox"/>es that have each processed one message.
/// </summary>
public static class IdleMemoryHarness
{
    public const int DefaultActors = 100_000;
    public const int AimBytesPerActor = 1024;

    private static readonly TimeSpan s_stuckAfter = TimeSpan.FromSeconds(120);

    /// <summary>Options: <c>--actors N</c> (default 100,000).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var count = HarnessArguments.Int(args, "--actors", DefaultActors);
        Console.WriteLine(
            $"idle-memory: {count:N0} of each; bytes = growth of GC.GetTotalMemory(true) after GC.Collect, "
            + "WaitForPendingFinalizers, GC.Collect, divided by the count");

        // JIT, type loading and the kernel's statics, in a system of its own that is gone before measuring.
        await MeasureIdleActorsAsync(1_000);
        await MeasureBareMailboxesAsync(1_000);

        var bare = await MeasureBareMailboxesAsync(count);
        var actor = await MeasureIdleActorsAsync(count);
        var channel = MeasureRetained(count, static () =>
        {
            var channel = Channel.CreateUnbounded<(object, object?)>(
                new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
            channel.Writer.TryWrite((channel, null));
            channel.Reader.TryRead(out _);
            return channel;
        });
        var queue = MeasureRetained(count, static () =>
        {
            var queue = new ConcurrentQueue<object>();
            queue.Enqueue(queue);
            queue.TryDequeue(out _);
            return queue;
        });

        Console.WriteLine();
        Console.WriteLine($"{"baseline: bare mailbox, one message processed",-66}{bare,8:F0} B per mailbox");
        Console.WriteLine($"{"kernel: idle actor, created and answered one Identify",-66}{actor,8:F0} B per actor   ({actor / bare:F2}x baseline)");
        Console.WriteLine();
        Console.WriteLine("reference points (what a mailbox is made of):");
        Console.WriteLine($"{"  unbounded single-reader Channel<(object, object?)>, used once",-66}{channel,8:F0} B");
        Console.WriteLine($"{"  ConcurrentQueue<object>, used once",-66}{queue,8:F0} B");
        Console.WriteLine();
        Console.WriteLine(
            $"aim: under {AimBytesPerActor:N0} B per idle actor besides its own state; measured {actor:F0} B: "
            + (actor < AimBytesPerActor ? "met" : "NOT met"));
        return 0;
    }

    private static async Task<double> MeasureBareMailboxesAsync(int count)
    {
        var mailboxes = new BareMailbox[count];
        var processed = new LifecycleCounter();
        var message = new object();
        var before = SettledMemory();
        var allProcessed = processed.Expect(count);
        for (var i = 0; i < count; i++)
        {
            mailboxes[i] = new IdleBareMailbox(processed);
            mailboxes[i].Post(message);
        }

        await allProcessed.WaitAsync(s_stuckAfter);
        var after = SettledMemory();
        GC.KeepAlive(mailboxes);
        return (after - before) / (double)count;
    }

    private static async Task<double> MeasureIdleActorsAsync(int count)
    {
        var system = ActorSystem.Create("idle-memory");
        try
        {
            var props = Props.Create(() => new IdleActor());
            var refs = new IActorRef[count];
            var identify = new Identify(null);
            var replies = new CountdownRef(system.Name, count);
            var before = SettledMemory();
            for (var i = 0; i < count; i++)
            {
                refs[i] = system.ActorOf(props);
            }

            for (var i = 0; i < count; i++)
            {
                refs[i].Tell(identify, replies);
            }

            await replies.Completed.WaitAsync(s_stuckAfter);
            var after = SettledMemory();
            GC.KeepAlive(refs);
            return (after - before) / (double)count;
        }
        finally
        {
            await system.Terminate().WaitAsync(s_stuckAfter);
        }
    }

    private static double MeasureRetained(int count, Func<object> create)
    {
        var kept = new object[count];
        var before = SettledMemory();
        for (var i = 0; i < count; i++)
        {
            kept[i] = create();
        }

        var after = SettledMemory();
        GC.KeepAlive(kept);
        return (after - before) / (double)count;
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
