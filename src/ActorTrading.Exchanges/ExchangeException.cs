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
