using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>
/// The system's logger factory: every logger writes to the host's factory and publishes a
/// <see cref="LogEvent"/> on the event stream (at or above <see cref="ActorSystemSettings.EventStreamLogLevel"/>).
/// </summary>
internal sealed class EventStreamLoggerFactory(ILoggerFactory inner, EventStream stream, LogLevel minimum, TimeProvider time)
    : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        new EventStreamLogger(inner.CreateLogger(categoryName), categoryName, stream, minimum, time);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The host owns the inner factory.
    }

    private sealed class EventStreamLogger(ILogger inner, string category, EventStream stream, LogLevel minimum, TimeProvider time)
        : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            if (logLevel >= minimum && logLevel != LogLevel.None)
            {
                stream.Publish(new LogEvent(logLevel, category, eventId, formatter(state, exception), exception, time.GetUtcNow()));
            }
        }
    }
}
