using System.Diagnostics;
using System.Net;

namespace ActorTrading.Node.Benchmarks;

/// <summary>What an open-loop run measured.</summary>
/// <param name="Latency">Each request, from <c>SendAsync</c> to its whole answer read, ms (every request, failed ones included).</param>
/// <param name="Lateness">How late each request left against its schedule (start + i / rate), ms: the generator's own delay.</param>
/// <param name="Errors">Requests that threw or were answered with another status than expected.</param>
/// <param name="ErrorSamples">The first few of them.</param>
/// <param name="Elapsed">From the first request's schedule to the last answer.</param>
/// <param name="GcPause">Time this process spent paused for garbage collection during the run (<see cref="GC.GetTotalPauseDuration"/>).</param>
/// <param name="Gen2Collections">Generation-2 collections during the run.</param>
/// <param name="Collections">Collections of any generation during the run (each one pauses the process at least briefly).</param>
public sealed record OpenLoopResult(Percentiles Latency, Percentiles Lateness, int Errors, IReadOnlyList<string> ErrorSamples, TimeSpan Elapsed, TimeSpan GcPause, int Gen2Collections, int Collections)
{
    public int Sent => Latency.Count;

    public double RequestsPerSecond => Sent / Elapsed.TotalSeconds;
}

/// <summary>
/// An open-loop load: request i is sent at start + i / rate, whether or not earlier ones were answered (so a slow
/// answer delays no later request and hides nothing), paced by a <see cref="PeriodicTimer"/> that ticks every
/// millisecond (or every period, if shorter than that) and sends every request that is due. Bounded: rate x duration
/// requests, then it waits for the answers.
/// </summary>
public static class OpenLoop
{
    public static async Task<OpenLoopResult> RunAsync(HttpClient client, Func<int, HttpRequestMessage> request, HttpStatusCode expected, int rate, TimeSpan duration)
    {
        var total = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var latencies = new double[total];
        var lateness = new double[total];
        var tasks = new Task[total];
        var errors = 0;
        var samples = new List<string>();
        var ticksPerRequest = Stopwatch.Frequency / (double)rate;

        async Task SendAsync(int i)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.SendAsync(request(i));
                var body = await response.Content.ReadAsStringAsync();
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode != expected)
                {
                    Fail($"{(int)response.StatusCode}: {(body.Length > 200 ? body[..200] : body)}");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                Fail($"{exception.GetType().Name}: {exception.Message}");
            }
        }

        void Fail(string what)
        {
            Interlocked.Increment(ref errors);
            lock (samples)
            {
                if (samples.Count < 5)
                {
                    samples.Add(what);
                }
            }
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Min(0.001, 1.0 / rate)));
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var gen0Before = GC.CollectionCount(0);
        var start = Stopwatch.GetTimestamp();
        var next = 0;
        while (next < total)
        {
            var now = Stopwatch.GetTimestamp();
            var due = Math.Min(total, (int)((now - start) / ticksPerRequest) + 1);
            for (; next < due; next++)
            {
                lateness[next] = (Stopwatch.GetTimestamp() - (start + (long)(next * ticksPerRequest))) * 1000.0 / Stopwatch.Frequency;
                tasks[next] = SendAsync(next);
            }

            if (next < total)
            {
                await timer.WaitForNextTickAsync();
            }
        }

        await Task.WhenAll(tasks);
        return new OpenLoopResult(Percentiles.Of(latencies), Percentiles.Of(lateness), errors, samples, Stopwatch.GetElapsedTime(start),
            GC.GetTotalPauseDuration() - pauseBefore, GC.CollectionCount(2) - gen2Before, GC.CollectionCount(0) - gen0Before);
    }

    /// <summary>"p50 1.23 ms, p90 …" plus the mean, the achieved rate and the errors.</summary>
    public static string Describe(OpenLoopResult result) =>
        $"{result.Latency.Describe("ms")}, mean {result.Latency.Mean:F2} ms; {result.RequestsPerSecond:F1} requests/s achieved; {result.Errors} errors; "
        + $"GC paused the process {result.GcPause.TotalMilliseconds:N0} ms in {result.Collections} collections ({result.Gen2Collections} gen-2; "
        + $"{(result.Collections == 0 ? 0 : result.GcPause.TotalMilliseconds / result.Collections):F1} ms each on average)"
        + (result.ErrorSamples.Count > 0 ? $" (e.g. {string.Join(" | ", result.ErrorSamples)})" : "");
}
