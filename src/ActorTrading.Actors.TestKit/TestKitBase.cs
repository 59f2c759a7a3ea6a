using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace ActorTrading.Actors.TestKit;

/// <summary>
/// Base of actor tests on xunit: each test gets its own actor system (terminated after the test), a
/// default probe <see cref="TestActor"/>, and expectations with explicit time limits. Nothing is shared
/// between tests, so they run in parallel.
/// </summary>
public abstract class TestKitBase : IAsyncLifetime
{
    private static int s_systemCounter;
    private readonly AsyncLocal<long?> _deadline = new();
    private int _probeCounter;

    /// <summary>Creates the kit; <paramref name="output"/> receives the system's logs.</summary>
    protected TestKitBase(ITestOutputHelper? output = null, ActorSystemSettings? settings = null, TestKitSettings? testKitSettings = null)
    {
        Settings = testKitSettings ?? new TestKitSettings();
        settings ??= new ActorSystemSettings();
        if (output is not null)
        {
            settings = settings with { LoggerFactory = new TestOutputLoggerFactory(output) };
        }

        Sys = ActorSystem.Create($"test-{GetType().Name}-{Interlocked.Increment(ref s_systemCounter)}", settings);
        TestActor = CreateTestProbe("testActor");
    }

    /// <summary>This test's actor system.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The default probe.</summary>
    public TestProbe TestActor { get; }

    /// <summary>Time limits.</summary>
    public TestKitSettings Settings { get; }

    /// <summary>The system's clock.</summary>
    public TimeProvider TimeProvider => Sys.TimeProvider;

    /// <summary>A new probe.</summary>
    public TestProbe CreateTestProbe(string? name = null) =>
        new(this, Sys, name ?? $"probe-{Interlocked.Increment(ref _probeCounter)}");

    /// <summary>A probe that receives every dead letter of this system.</summary>
    public TestProbe CaptureDeadLetters() => Subscribe<DeadLetter>();

    /// <summary>A probe that receives every log event at or above the system's event-stream level.</summary>
    public TestProbe CaptureLogs() => Subscribe<LogEvent>();

    /// <summary>A probe subscribed to <typeparamref name="T"/> on the event stream.</summary>
    public TestProbe Subscribe<T>()
    {
        var probe = CreateTestProbe($"events-{typeof(T).Name}-{Interlocked.Increment(ref _probeCounter)}");
        Sys.EventStream.Subscribe(probe.Ref, typeof(T));
        return probe;
    }

    /// <inheritdoc cref="TestProbe.ExpectMsgAsync{T}(Func{T, bool}?, TimeSpan?)"/>
    public Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) => TestActor.ExpectMsgAsync(predicate, timeout);

    /// <inheritdoc cref="TestProbe.ExpectMsgAsync{T}(T, TimeSpan?)"/>
    public Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull => TestActor.ExpectMsgAsync(expected, timeout);

    /// <inheritdoc cref="TestProbe.ExpectNoMsgAsync"/>
    public Task ExpectNoMsgAsync(TimeSpan? duration = null) => TestActor.ExpectNoMsgAsync(duration);

    /// <inheritdoc cref="TestProbe.FishForMessageAsync{T}"/>
    public Task<T> FishForMessageAsync<T>(Func<T, bool> isTheOne, TimeSpan? timeout = null) => TestActor.FishForMessageAsync(isTheOne, timeout);

    /// <inheritdoc cref="TestProbe.Watch"/>
    public IActorRef Watch(IActorRef actor) => TestActor.Watch(actor);

    /// <inheritdoc cref="TestProbe.ExpectTerminatedAsync"/>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef actor, TimeSpan? timeout = null) => TestActor.ExpectTerminatedAsync(actor, timeout);

    /// <summary>Runs <paramref name="body"/> with every expectation inside limited to what is left of
    /// <paramref name="max"/>, and fails if the body as a whole takes longer.</summary>
    public async Task WithinAsync(TimeSpan max, Func<Task> body)
    {
        var started = Stopwatch.GetTimestamp();
        var previous = _deadline.Value;
        var deadline = started + (long)(max.TotalSeconds * Stopwatch.Frequency);
        _deadline.Value = previous is { } outer && outer < deadline ? outer : deadline;
        try
        {
            await body();
        }
        finally
        {
            _deadline.Value = previous;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed > max)
        {
            throw new TestKitException($"the block took {elapsed.TotalMilliseconds:0} ms, more than the {max.TotalMilliseconds:0} ms allowed");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every few milliseconds, and fails
    /// with <paramref name="what"/> at the time limit. For state that no message announces.</summary>
    public Task AwaitConditionAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        AwaitConditionAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Waits until <paramref name="condition"/> (asked of an actor, say) holds; as <see cref="AwaitConditionAsync(Func{bool}, string, TimeSpan?)"/>.</summary>
    public async Task AwaitConditionAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = RemainingOr(timeout ?? Settings.DefaultTimeout);
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TestKitException($"timeout ({limit.TotalMilliseconds:0} ms) waiting for {what}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>The shorter of <paramref name="duration"/> and what is left of the enclosing <see cref="WithinAsync"/>.</summary>
    public TimeSpan RemainingOr(TimeSpan duration)
    {
        if (_deadline.Value is not { } deadline)
        {
            return duration;
        }

        var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
        return left < duration ? (left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) : duration;
    }

    /// <inheritdoc/>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public virtual async Task DisposeAsync()
    {
        var terminated = Sys.Terminate();
        if (await Task.WhenAny(terminated, Task.Delay(TimeSpan.FromSeconds(10))) != terminated)
        {
            throw new TestKitException($"actor system {Sys.Name} did not terminate within 10 s");
        }
    }

    private sealed class TestOutputLoggerFactory(ITestOutputHelper output) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; xunit no longer takes output for it.
            }
        }
    }
}
