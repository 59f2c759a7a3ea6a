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

    public Task<JsonElement> PatchAsync(string path, object body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Patch, path, body, cancellationToken);

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
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new CliException($"the node at {Address} refused the token ({(int)response.StatusCode}): give the admin token with --token or ACTORTRADING_ADMIN_TOKEN");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"{method} {path}: {(int)response.StatusCode} {Problem(text) ?? response.ReasonPhrase}");
            }

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
