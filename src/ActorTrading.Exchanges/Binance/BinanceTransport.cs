using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Binance;

/// <summary>
/// Binance USD-M transport: the pooled HTTP client of the host, HMAC signing of
/// <c>totalParams</c> (query string immediately followed by the body; we send every parameter in the query
/// string, <c>signature</c> last), the server-time offset, and the limits — REQUEST_WEIGHT per IP (shared by
/// every account on the host) and ORDERS per API key (shared by every transport of the key on the host; a limit
/// read from exchangeInfo applies to every key), corrected from <c>X-MBX-USED-WEIGHT-1M</c> and
/// <c>X-MBX-ORDER-COUNT-10S/1M</c>. A 429 blocks until Retry-After (or the next minute); a 418 ban stops
/// every account on the host until the ban ends. A <c>-1021</c> resyncs the clock and is retried once,
/// signed afresh. https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info
/// </summary>
internal sealed class BinanceTransport
{
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly string _apiKey;
    private readonly HmacSigner _signer;
    private readonly ExchangeClientSettings _settings;
    private readonly string _recvWindow;
    private readonly RateWindow _ipWeight;
    private readonly RateWindow _orders10s;
    private readonly RateWindow _orders1m;
    private readonly BinanceOrderWindows _orderWindows;
    private readonly BanState _ban;

    public BinanceTransport(Uri baseUrl, ExchangeCredentials credentials, ExchangeClientSettings settings, TimeProvider time, HttpClient? http = null)
    {
        _http = http ?? HttpHandlerPool.For(baseUrl);
        _baseUrl = baseUrl.GetLeftPart(UriPartial.Authority);
        _apiKey = credentials.ApiKey;
        _signer = new HmacSigner(credentials.ApiSecret);
        _settings = settings;
        _recvWindow = settings.ReceiveWindowMs.ToString(CultureInfo.InvariantCulture);
        // The server's clock offset is the host's, not the account's: one /time for every account on the pooled client.
        Clock = http is null
            ? HttpHandlerPool.HostShared(baseUrl, "binance-clock", () => new ServerClock(time, settings.ClockResyncInterval))
            : new ServerClock(time, settings.ClockResyncInterval);
        _ipWeight = HttpHandlerPool.HostShared(baseUrl, "binance-weight", () => new RateWindow("REQUEST_WEIGHT 1m", 2400, TimeSpan.FromMinutes(1), settings.RateLimitHeadroom, time));
        _ban = HttpHandlerPool.HostShared(baseUrl, "binance-ban", () => new BanState());
        // Orders are counted per key by the venue: every transport of one key on the host spends the same windows.
        _orderWindows = HttpHandlerPool.HostShared(baseUrl, "binance-orders", () => new BinanceOrderWindows(settings.RateLimitHeadroom, time));
        (_orders10s, _orders1m) = _orderWindows.For(credentials.ApiKey);
    }

    public ServerClock Clock { get; }

    /// <summary>Applies the limits the venue publishes in exchangeInfo to the host: its IP window and every key's order windows.</summary>
    public void ObserveRateLimits(IEnumerable<BinanceRateLimit> limits)
    {
        foreach (var limit in limits)
        {
            var window = limit.Interval switch
            {
                "SECOND" => TimeSpan.FromSeconds(limit.IntervalNum),
                "MINUTE" => TimeSpan.FromMinutes(limit.IntervalNum),
                _ => TimeSpan.Zero,
            };
            switch (limit.RateLimitType)
            {
                case "REQUEST_WEIGHT" when window == TimeSpan.FromMinutes(1):
                    _ipWeight.ObserveLimit(limit.Limit);
                    break;
                case "ORDERS":
                    _orderWindows.ObserveLimit(window, limit.Limit);
                    break;
            }
        }
    }

    /// <summary>A MARKET_DATA / NONE endpoint: no key, no signature.</summary>
    public Task<T> PublicAsync<T>(HttpMethod method, string path, QueryString? query, int weight, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        SendOnceAsync(method, path, query?.ToString() ?? string.Empty, signed: false, weight, isOrder: false, type, cancellationToken);

    /// <summary>A TRADE / USER_DATA endpoint: <c>recvWindow</c>, <c>timestamp</c> and <c>signature</c> appended.</summary>
    public async Task<T> SignedAsync<T>(HttpMethod method, string path, QueryString query, int weight, bool isOrder, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await Clock.EnsureFreshAsync(FetchServerTimeAsync, force: false, cancellationToken);
        var parameters = query.ToString();
        try
        {
            return await SendOnceAsync(method, path, parameters, signed: true, weight, isOrder, type, cancellationToken);
        }
        catch (ExchangeException e) when (BinanceErrors.Is(e, BinanceErrors.TimestampOutsideWindow))
        {
            await Clock.EnsureFreshAsync(FetchServerTimeAsync, force: true, cancellationToken);
            return await SendOnceAsync(method, path, parameters, signed: true, weight, isOrder, type, cancellationToken);
        }
    }

    /// <summary>The exact request line we would send now (golden tests, benchmarks).</summary>
    internal string SignedPathAndQuery(string path, string parameters, long timestamp)
    {
        var total = parameters.Length == 0
            ? $"recvWindow={_recvWindow}&timestamp={timestamp}"
            : $"{parameters}&recvWindow={_recvWindow}&timestamp={timestamp}";
        return $"{path}?{total}&signature={_signer.Hex(total)}";
    }

    private async Task<long> FetchServerTimeAsync(CancellationToken cancellationToken) =>
        (await PublicAsync(HttpMethod.Get, "/fapi/v1/time", null, 1, BinanceJson.Default.BinanceServerTime, cancellationToken)).ServerTime;

    private async Task<T> SendOnceAsync<T>(HttpMethod method, string path, string parameters, bool signed, int weight, bool isOrder, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        _ban.ThrowIfBanned(Clock.Time, ExchangeName.Binance);
        await _ipWeight.WaitAsync(weight, ExchangeName.Binance, _settings.MaxRateLimitWait, cancellationToken);
        if (isOrder)
        {
            await _orders10s.WaitAsync(1, ExchangeName.Binance, _settings.MaxRateLimitWait, cancellationToken);
            await _orders1m.WaitAsync(1, ExchangeName.Binance, _settings.MaxRateLimitWait, cancellationToken);
        }

        var pathAndQuery = signed
            ? SignedPathAndQuery(path, parameters, Clock.ServerNowMs)
            : parameters.Length == 0 ? path : path + "?" + parameters;
        using var request = new HttpRequestMessage(method, _baseUrl + pathAndQuery);
        if (signed)
        {
            request.Headers.TryAddWithoutValidation("X-MBX-APIKEY", _apiKey);
        }

        var response = await HttpAttempt.SendAsync(_http, request, _settings.RequestTimeout, ExchangeName.Binance, cancellationToken);
        ObserveHeaders(response);
        if ((int)response.Status is >= 200 and < 300)
        {
            return JsonSerializer.Deserialize(response.Body, type)
                ?? throw new ExchangeException(ExchangeName.Binance, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.EmptyResponse, $"{path} answered with an empty body");
        }

        throw Fail(response);
    }

    private ExchangeException Fail(RawResponse response)
    {
        BinanceError? error = null;
        try
        {
            error = response.Body.StartsWith('{') ? JsonSerializer.Deserialize(response.Body, BinanceJson.Default.BinanceError) : null;
        }
        catch (JsonException)
        {
            // An HTML or truncated body: classified by status alone.
        }

        var message = error?.Msg ?? (response.Body.Length > 200 ? response.Body[..200] : response.Body);
        var now = Clock.LocalNowMs;
        var status = (int)response.Status;
        if (status == 418)
        {
            var until = HttpAttempt.RetryAfterUnixMs(response.Headers, Clock.Time) ?? BannedUntil(message) ?? now + 120_000;
            _ban.Ban(until);
            return new ExchangeException(ExchangeName.Binance, ExchangeErrorKind.AccountFatal, ExchangeErrorCodes.Banned,
                $"IP banned until {DateTimeOffset.FromUnixTimeMilliseconds(until):O}: {message}");
        }

        if (status == 429)
        {
            _ipWeight.BlockUntil(HttpAttempt.RetryAfterUnixMs(response.Headers, Clock.Time) ?? now - (now % 60_000) + 60_000);
        }

        return BinanceErrors.Classify(response.Status, error?.Code ?? 0, message);
    }

    private void ObserveHeaders(RawResponse response)
    {
        foreach (var header in response.Headers)
        {
            if (!header.Key.StartsWith("X-MBX-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = header.Value.FirstOrDefault();
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var used))
            {
                continue;
            }

            if (header.Key.Equals("X-MBX-USED-WEIGHT-1M", StringComparison.OrdinalIgnoreCase))
            {
                _ipWeight.ObserveUsed(used);
            }
            else if (header.Key.Equals("X-MBX-ORDER-COUNT-10S", StringComparison.OrdinalIgnoreCase))
            {
                _orders10s.ObserveUsed(used);
            }
            else if (header.Key.Equals("X-MBX-ORDER-COUNT-1M", StringComparison.OrdinalIgnoreCase))
            {
                _orders1m.ObserveUsed(used);
            }
        }
    }

    /// <summary>"Way too many requests; IP banned until 1700000000000." carries the end of the ban in Unix ms.</summary>
    private static long? BannedUntil(string message)
    {
        var at = message.IndexOf("until ", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var digits = new string(message[(at + 6)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : null;
    }
}
