namespace ActorTrading.Exchanges;

/// <summary>What a caller may do after an exchange error. The difference between "rejected" and
/// "outcome unknown" is everything for money: never place again after an unknown outcome without
/// asking the exchange for the client order id first.</summary>
public enum ExchangeErrorKind
{
    /// <summary>Definitely not done, and trying again later may work (rate limit, maintenance, 5xx "service unavailable").</summary>
    Retryable,

    /// <summary>Definitely not done, for a reason the user can act on (insufficient margin, invalid quantity, duplicate id).</summary>
    Rejected,

    /// <summary>Definitely not done, and the account cannot trade until someone acts (bad key, IP ban, no permission).</summary>
    AccountFatal,

    /// <summary>The request may or may not have been executed (timeout, lost response, "unknown error").</summary>
    OutcomeUnknown,
}

/// <summary>Codes shared by every client, besides the venue's own.</summary>
public static class ExchangeErrorCodes
{
    /// <summary>An order with this client order id already exists.</summary>
    public const string DuplicateClientOrderId = "duplicate-client-order-id";

    /// <summary>The request timed out or its response was lost.</summary>
    public const string Timeout = "timeout";

    /// <summary>Our request cannot be expressed on this venue (the message names the combination); nothing was sent.</summary>
    public const string UnsupportedRequest = "unsupported-request";

    /// <summary>The account is stopped after a ban (Binance HTTP 418, Bybit HTTP 403) until the time in the message.</summary>
    public const string Banned = "banned";

    /// <summary>The venue does not trade the symbol.</summary>
    public const string UnknownSymbol = "unknown-symbol";

    /// <summary>The venue's answer could not be read (unknown value, malformed JSON): whether it acted is not known.</summary>
    public const string UnreadableResponse = "unreadable-response";

    /// <summary>The venue answered with no body, or no result in its envelope: whether it acted is not known.</summary>
    public const string EmptyResponse = "empty-response";

    /// <summary>No connection could be made; nothing was sent.</summary>
    public const string ConnectFailed = "connect";

    /// <summary>Our own rate limit would have to wait longer than allowed; nothing was sent.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>The call's <see cref="ExchangeDeadline"/> ran out, or a rate-limit wait or retry delay would have ended after it
    /// and was not started. The kind says whether an attempt may have reached the venue (<see cref="ExchangeErrorKind.OutcomeUnknown"/>)
    /// or nothing was done (<see cref="ExchangeErrorKind.Retryable"/>).</summary>
    public const string DeadlineExceeded = "deadline-exceeded";

    /// <summary>An HTTP error with no venue code (an HTML error page, an empty body): the status follows, e.g. <c>http-502</c>.</summary>
    public static string Http(int status) => "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An exchange error, classified once per venue.</summary>
public sealed class ExchangeException(ExchangeName exchange, ExchangeErrorKind kind, string code, string message, Exception? inner = null)
    : Exception($"{exchange} {code}: {message}", inner)
{
    /// <summary>The venue.</summary>
    public ExchangeName Exchange { get; } = exchange;

    /// <summary>What the caller may do.</summary>
    public ExchangeErrorKind Kind { get; } = kind;

    /// <summary>The venue's code (e.g. Binance <c>-2019</c>, Bybit <c>110007</c>) or one of <see cref="ExchangeErrorCodes"/>.</summary>
    public string Code { get; } = code;

    /// <summary>The venue's message, fit to show the user.</summary>
    public string VenueMessage { get; } = message;
}
