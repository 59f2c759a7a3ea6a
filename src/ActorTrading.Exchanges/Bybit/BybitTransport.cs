using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>
/// Bybit V5 transport: the pooled HTTP client of the host; HMAC signing of
/// <c>timestamp + apiKey + recvWindow + payload</c> (the query string of a GET, the raw JSON body of a POST)
/// sent in the <c>X-BAPI-*</c> headers; the server-time offset; per-endpoint, per-account limits per second (shared by every
/// transport of one API key on the host),
/// corrected from <c>X-Bapi-Limit</c>, <c>X-Bapi-Limit-Status</c> and <c>X-Bapi-Limit-Reset-Timestamp</c>
/// (a 10006 waits for the reset), and the IP limit of 600 per 5 s shared by every account on the host; an HTTP
/// 403 (IP limit breached) stops every account on the host for 10 minutes. A 10002 resyncs the clock and is
/// retried once, signed afresh. https://bybit-exchange.github.io/docs/v5/guide
/// </summary>
internal sealed class BybitTransport
{
    private static readonly TimeSpan BanLength = TimeSpan.FromMinutes(10);
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly string _apiKey;
    private readonly HmacSigner _signer;
    private readonly ExchangeClientSettings _settings;
    private readonly string _recvWindow;
    private readonly RateWindow _ip;
    private readonly BanState _ban;
    private readonly ConcurrentDictionary<string, RateWindow> _endpoints;

    public BybitTransport(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings, TimeProvider time, HttpClient? http = null)
    {
        _http = http ?? HttpHandlerPool.For(baseUrl);
        _baseUrl = baseUrl.GetLeftPart(UriPartial.Authority);
        _apiKey = credentials.ApiKey;
        _signer = new HmacSigner(credentials.ApiSecret);
        _settings = settings;
        _recvWindow = settings.ReceiveWindowMs.ToString(CultureInfo.InvariantCulture);
        // The server's clock offset is the host's, not the account's: one /v5/market/time for every account on the pooled client.
        Clock = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "bybit-clock", () => new ServerClock(time, settings.ClockResyncInterval))
            : new ServerClock(time, settings.ClockResyncInterval);
        _ip = HttpHandlerPool.HostShared(baseUrl, "bybit-ip", () => new RateWindow("IP 5s", settings.BybitIpRequestsPer5Seconds, TimeSpan.FromSeconds(5), settings.RateLimitHeadroom, time));
        _ban = HttpHandlerPool.HostShared(baseUrl, "bybit-ban", () => new BanState());
        // The endpoint limits are the account's, not the client object's: every transport of one key on the host spends the same windows.
        _endpoints = HttpHandlerPool.HostShared(baseUrl, "bybit-endpoints|" + credentials.ApiKey, () => new ConcurrentDictionary<string, RateWindow>(StringComparer.Ordinal));
    }

    public ServerClock Clock { get; }

    public Task<T> PublicGetAsync<T>(string path, QueryString? query, JsonTypeInfo<BybitResponse<T>> type, CancellationToken cancellationToken) =>
        SendOnceAsync(HttpMethod.Get, path, query?.ToString() ?? string.Empty, signed: false, type, cancellationToken);

    public Task<T> SignedGetAsync<T>(string path, QueryString query, JsonTypeInfo<BybitResponse<T>> type, CancellationToken cancellationToken) =>
        SignedAsync(HttpMethod.Get, path, query.ToString(), type, cancellationToken);

    public Task<T> SignedPostAsync<T>(string path, string jsonBody, JsonTypeInfo<BybitResponse<T>> type, CancellationToken cancellationToken) =>
        SignedAsync(HttpMethod.Post, path, jsonBody, type, cancellationToken);

    /// <summary>The <c>X-BAPI-SIGN</c> of <paramref name="payload"/> at <paramref name="timestamp"/> (golden tests, benchmarks).</summary>
    internal string Signature(long timestamp, string payload) =>
        _signer.Hex(string.Concat(timestamp.ToString(CultureInfo.InvariantCulture), _apiKey, _recvWindow, payload));

    private async Task<T> SignedAsync<T>(HttpMethod method, string path, string payload, JsonTypeInfo<BybitResponse<T>> type, CancellationToken cancellationToken)
    {
        await Clock.EnsureFreshAsync(FetchServerTimeAsync, force: false, cancellationToken);
        try
        {
            return await SendOnceAsync(method, path, payload, signed: true, type, cancellationToken);
        }
        catch (ExchangeException e) when (BybitErrors.Is(e, BybitErrors.TimestampOutsideWindow))
        {
            await Clock.EnsureFreshAsync(FetchServerTimeAsync, force: true, cancellationToken);
            return await SendOnceAsync(method, path, payload, signed: true, type, cancellationToken);
        }
    }

    private async Task<long> FetchServerTimeAsync(CancellationToken cancellationToken)
    {
        var time = await PublicGetAsync("/v5/market/time", null, BybitJson.Default.BybitResponseBybitServerTime, cancellationToken);
        return WireFormat.ParseLong(time.TimeNano) / 1_000_000;
    }

    private async Task<T> SendOnceAsync<T>(HttpMethod method, string path, string payload, bool signed, JsonTypeInfo<BybitResponse<T>> type, CancellationToken cancellationToken)
    {
        _ban.ThrowIfBanned(Clock.Time, ExchangeName.Bybit);
        await _ip.WaitAsync(1, ExchangeName.Bybit, _settings.MaxRateLimitWait, cancellationToken);
        var endpoint = signed ? _endpoints.GetOrAdd(path, NewEndpointWindow) : null;
        if (endpoint is not null)
        {
            await endpoint.WaitAsync(1, ExchangeName.Bybit, _settings.MaxRateLimitWait, cancellationToken);
        }

        var isGet = method == HttpMethod.Get;
        using var request = new HttpRequestMessage(method, isGet && payload.Length > 0 ? $"{_baseUrl}{path}?{payload}" : _baseUrl + path);
        if (!isGet)
        {
            request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
        }

        if (signed)
        {
            var timestamp = Clock.ServerNowMs;
            var headers = request.Headers;
            headers.TryAddWithoutValidation("X-BAPI-API-KEY", _apiKey);
            headers.TryAddWithoutValidation("X-BAPI-TIMESTAMP", timestamp.ToString(CultureInfo.InvariantCulture));
            headers.TryAddWithoutValidation("X-BAPI-RECV-WINDOW", _recvWindow);
            headers.TryAddWithoutValidation("X-BAPI-SIGN", Signature(timestamp, payload));
            headers.TryAddWithoutValidation("X-BAPI-SIGN-TYPE", "2");
        }

        var response = await HttpAttempt.SendAsync(_http, request, _settings.RequestTimeout, ExchangeName.Bybit, cancellationToken);
        var resetAt = endpoint is null ? null : ObserveHeaders(endpoint, response);
        if (response.Status != HttpStatusCode.OK)
        {
            throw FailByStatus(response);
        }

        BybitResponse<T>? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(response.Body, type);
        }
        catch (JsonException e)
        {
            throw new ExchangeException(ExchangeName.Bybit, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.UnreadableResponse, $"{path} answered with unreadable JSON: {e.Message}", e);
        }

        if (envelope is null)
        {
            throw new ExchangeException(ExchangeName.Bybit, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.EmptyResponse, $"{path} answered with an empty body");
        }

        if (envelope.RetCode != 0)
        {
            if (envelope.RetCode == BybitErrors.TooManyVisits && endpoint is not null)
            {
                endpoint.BlockUntil(resetAt ?? Clock.LocalNowMs + 1000);
            }

            throw BybitErrors.Classify(response.Status, envelope.RetCode, envelope.RetMsg ?? string.Empty);
        }

        return envelope.Result ?? throw new ExchangeException(ExchangeName.Bybit, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.EmptyResponse, $"{path} answered without a result");
    }

    private ExchangeException FailByStatus(RawResponse response)
    {
        var message = response.Body.Length > 200 ? response.Body[..200] : response.Body;
        var now = Clock.LocalNowMs;
        switch ((int)response.Status)
        {
            case 403:
                var until = now + (long)BanLength.TotalMilliseconds;
                _ban.Ban(until);
                return new ExchangeException(ExchangeName.Bybit, ExchangeErrorKind.AccountFatal, ExchangeErrorCodes.Banned,
                    $"HTTP 403 (IP rate limit breached or region blocked); stopped until {DateTimeOffset.FromUnixTimeMilliseconds(until):O}: {message}");
            case 429:
                _ip.BlockUntil(HttpAttempt.RetryAfterUnixMs(response.Headers, Clock.Time) ?? now + 1000);
                break;
        }

        return BybitErrors.Classify(response.Status, 0, message);
    }

    /// <summary>Reads the limit headers; returns the reset time (local Unix ms) when the endpoint is exhausted.</summary>
    private long? ObserveHeaders(RateWindow endpoint, RawResponse response)
    {
        var limit = HttpAttempt.Header(response.Headers, "X-Bapi-Limit");
        var status = HttpAttempt.Header(response.Headers, "X-Bapi-Limit-Status");
        var reset = HttpAttempt.Header(response.Headers, "X-Bapi-Limit-Reset-Timestamp");
        if (int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max))
        {
            endpoint.ObserveLimit(max);
            if (int.TryParse(status, NumberStyles.Integer, CultureInfo.InvariantCulture, out var remaining))
            {
                endpoint.ObserveUsed(max - remaining);
                if (remaining <= 0 && long.TryParse(reset, NumberStyles.Integer, CultureInfo.InvariantCulture, out var resetServerMs))
                {
                    var resetLocal = resetServerMs - Clock.OffsetMs;
                    endpoint.BlockUntil(resetLocal);
                    return resetLocal;
                }
            }
        }

        return null;
    }

    private RateWindow NewEndpointWindow(string path) => new(
        path,
        path switch
        {
            "/v5/order/create" or "/v5/order/cancel" or "/v5/order/amend" or "/v5/position/set-leverage" or "/v5/position/trading-stop" => 10,
            _ => 50,
        },
        TimeSpan.FromSeconds(1),
        _settings.RateLimitHeadroom,
        Clock.Time);
}
