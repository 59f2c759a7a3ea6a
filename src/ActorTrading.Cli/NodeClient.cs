using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ActorTrading.Cli;

/// <summary>The node's admin API, with the admin token; every failure becomes a <see cref="CliException"/> naming it.</summary>
internal sealed class NodeClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly HttpClient _http;

    public NodeClient(Uri address, string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new CliException("no admin token: pass --token or set ACTORTRADING_ADMIN_TOKEN");
        }

        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = Timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Address { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, path, null, cancellationToken);

    public Task<JsonElement> PatchAsync(string path, object body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Patch, path, body, cancellationToken);

    /// <summary>Reads the server-sent events of <paramref name="path"/>, handing each one's type and data to
    /// <paramref name="onEvent"/>, until the node ends the stream (false) or <paramref name="cancellationToken"/> is
    /// cancelled (true). No time limit: a stream is meant to stay open.</summary>
    public async Task<bool> StreamAsync(string path, Action<string, string> onEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        try
        {
            using var stream = new HttpClient { BaseAddress = Address, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            stream.DefaultRequestHeaders.Authorization = _http.DefaultRequestHeaders.Authorization;
            using var response = await stream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await FailAsync(HttpMethod.Get, path, response, cancellationToken);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(body).EnumerateAsync(cancellationToken))
            {
                onEvent(item.EventType, item.Data);
            }

            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return true;
        }
        catch (HttpRequestException unreachable)
        {
            throw new CliException($"cannot reach the node at {Address}: {unreachable.Message}");
        }
        catch (IOException lost)
        {
            throw new CliException($"the stream from the node at {Address} broke: {lost.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException unreachable)
        {
            throw new CliException($"cannot reach the node at {Address}: {unreachable.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the node at {Address} did not answer within {Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                await FailAsync(method, path, response, cancellationToken);
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);

            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new CliException($"{method} {path}: the answer is not JSON; is {Address} an ActorTrading node?");
            }
        }
    }

    private async Task FailAsync(HttpMethod method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new CliException($"the node at {Address} refused the token ({(int)response.StatusCode}): give the admin token with --token or ACTORTRADING_ADMIN_TOKEN");
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new CliException($"{method} {path}: {(int)response.StatusCode} {Problem(text) ?? response.ReasonPhrase}");
    }

    // Problem details (RFC 9457): the detail, else the title.
    private static string? Problem(string text)
    {
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return problem.ValueKind != JsonValueKind.Object ? null
                : problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()
                : problem.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
