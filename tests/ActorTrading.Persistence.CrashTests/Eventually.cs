using System.Diagnostics;

namespace ActorTrading.Persistence.CrashTests;

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> (and
    /// <paramref name="state"/>, if given) at <paramref name="limit"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan limit, Func<string>? state = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
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
