using Microsoft.Extensions.Logging;

namespace ActorTrading.Actors;

/// <summary>A log entry written through the system's logger factory, also published on the event stream
/// so that tests and tools can observe what the kernel and the actors logged.</summary>
public sealed record LogEvent(LogLevel Level, string Category, EventId EventId, string Message, Exception? Exception, DateTimeOffset Timestamp);
