using System.Diagnostics;

namespace ActorTrading.TestSupport;

/// <summary>Waits on a condition with a deadline, for state that no message announces (another process, a table).</summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> (and
    /// <paramref name="state"/>, if given) at <paramref name="limit"/>.</summary>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan limit, Func<string>? state = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, limit, state);

    /// <summary>As <see cref="HoldsAsync(Func{bool}, string, TimeSpan, Func{string}?)"/>, for a condition that is asked of something (an HTTP call).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan limit, Func<string>? state = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"waited {limit.TotalSeconds:0.#} s for {what}{(state is null ? "" : $"; {state()}")}");
            }

            // Polling interval of the wait, bounded by the deadline above.
            await Task.Delay(10);
        }
    }
}
