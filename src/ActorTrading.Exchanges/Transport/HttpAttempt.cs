using System.Net;
using System.Net.Sockets;

namespace ActorTrading.Exchanges.Transport;

/// <summary>The HTTP status, the headers we read and the body of one exchange response.</summary>
internal readonly record struct RawResponse(HttpStatusCode Status, System.Net.Http.Headers.HttpResponseHeaders Headers, string Body);

/// <summary>
/// One HTTP attempt with its own time limit, cut to what is left of the call's <see cref="ExchangeDeadline"/> (an attempt
/// never outlives its caller; with nothing left it is not sent). A timeout or a connection lost mid-way is
/// <see cref="ExchangeErrorKind.OutcomeUnknown"/> (the request may have been executed); a connection that
/// could not be opened is <see cref="ExchangeErrorKind.Retryable"/> (nothing was sent).
/// </summary>
internal static class HttpAttempt
{
    public static async Task<RawResponse> SendAsync(
        HttpClient client, HttpRequestMessage request, TimeSpan timeout, ExchangeName exchange, CancellationToken cancellationToken)
    {
        var deadline = ExchangeDeadline.Current;
        var cut = false;
        if (deadline is not null)
        {
            var left = deadline.Remaining;
            if (left <= TimeSpan.Zero)
            {
                throw new ExchangeException(exchange, ExchangeErrorKind.Retryable, ExchangeErrorCodes.DeadlineExceeded,
                    $"{request.Method} {request.RequestUri?.AbsolutePath} not sent: the call's {deadline.Budget.TotalSeconds:0.#} s deadline ran out");
            }

            (timeout, cut) = left < timeout ? (left, true) : (timeout, false);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            return new RawResponse(response.StatusCode, response.Headers, body);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExchangeException(exchange, ExchangeErrorKind.OutcomeUnknown, cut ? ExchangeErrorCodes.DeadlineExceeded : ExchangeErrorCodes.Timeout,
                $"{request.Method} {request.RequestUri?.AbsolutePath} got no answer within {timeout.TotalMilliseconds:0} ms"
                + (cut ? $", the rest of the call's {deadline?.Budget.TotalSeconds:0.#} s deadline" : string.Empty), e);
        }
        catch (HttpRequestException e) when (IsConnectFailure(e))
        {
            throw new ExchangeException(exchange, ExchangeErrorKind.Retryable, ExchangeErrorCodes.ConnectFailed,
                $"could not connect to {request.RequestUri?.Authority}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new ExchangeException(exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout,
                $"{request.Method} {request.RequestUri?.AbsolutePath} lost its response: {e.Message}", e);
        }
    }

    /// <summary>Retry-After as seconds or an HTTP date, in Unix ms; null when absent.</summary>
    public static long? RetryAfterUnixMs(System.Net.Http.Headers.HttpResponseHeaders headers, TimeProvider time)
    {
        var retryAfter = headers.RetryAfter;
        var now = time.GetUtcNow();
        if (retryAfter?.Delta is { } delta)
        {
            return (now + delta).ToUnixTimeMilliseconds();
        }

        return retryAfter?.Date?.ToUnixTimeMilliseconds();
    }

    public static string? Header(System.Net.Http.Headers.HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.ConnectionError && e.InnerException is SocketException
        {
            SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable,
        };
}
