using System.Data.Common;
using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using Microsoft.AspNetCore.Diagnostics;

namespace ActorTrading.Node.Api;

/// <summary>
/// An outage is not a bug: when the store or an entity cannot answer in time (PostgreSQL down, a journal that is
/// recovering), the caller gets 503 problem details with Retry-After, never a bare 500. Whatever else escapes a handler
/// stays a 500.
/// </summary>
internal sealed partial class UnavailableHandler(ILogger<UnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsOutage(exception))
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
        await Problems.Unavailable("the node could not reach its store or an entity in time; retry later").ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>Whether <paramref name="exception"/> means "not confirmed, try again later": an answer that did not come in time,
    /// a store that cannot be reached, or a write refused because another writer holds the entity (a restart in progress, or
    /// a second node: the single-writer guard, the fence).</summary>
    internal static bool IsOutage(Exception exception) => exception switch
    {
        AskTimeoutException or TimeoutException => true,
        JournalException => true,
        DbException db => db.IsTransient,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsOutage),
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: {Error}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string error, string reason);
}
