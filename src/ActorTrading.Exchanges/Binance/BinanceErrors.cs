using System.Globalization;
using System.Net;

namespace ActorTrading.Exchanges.Binance;

/// <summary>
/// Every Binance USD-M error becomes one <see cref="ExchangeException"/>, decided here and nowhere else
/// (codes: https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code; HTTP statuses:
/// …/general-info). Codes are stable, messages are not, so only the 503 variants are told apart by text.
/// </summary>
internal static class BinanceErrors
{
    public const int TimestampOutsideWindow = -1021;
    public const int OrderDoesNotExist = -2013;
    public const int CancelRejected = -2011;
    public const int DuplicateClientOrderId = -4116;

    /// <summary>Whether <paramref name="error"/> carries Binance's <paramref name="code"/>.</summary>
    public static bool Is(ExchangeException error, int code) =>
        error.Exchange == ExchangeName.Binance && error.Code == code.ToString(CultureInfo.InvariantCulture);

    public static ExchangeException Classify(HttpStatusCode status, int code, string message)
    {
        var text = code.ToString(CultureInfo.InvariantCulture);
        var kind = (int)status == 418
            ? ExchangeErrorKind.AccountFatal
            : code switch
            {
                // Outcome unknown: the request may have executed; query by client order id.
                -1000 or -1006 or -1007 => ExchangeErrorKind.OutcomeUnknown,

                // Not executed; try again after a wait, a resync or with less concurrency.
                -1001 or -1003 or -1008 or -1015 or -1016 or -1021 or -5028 or -4117 => ExchangeErrorKind.Retryable,

                // The key pair, its IP whitelist or the account itself is unusable until someone acts.
                -1002 or -1022 or -2014 or -2015 or -4109 => ExchangeErrorKind.AccountFatal,

                DuplicateClientOrderId => ExchangeErrorKind.Rejected,

                // No venue code (HTML error page, empty body): decide by status.
                0 => ByStatus(status, message),

                _ when (int)status >= 500 => ByStatus(status, message),
                _ => ExchangeErrorKind.Rejected,
            };

        if (code == DuplicateClientOrderId)
        {
            text = ExchangeErrorCodes.DuplicateClientOrderId;
        }
        else if ((int)status == 418)
        {
            text = ExchangeErrorCodes.Banned;
        }
        else if (code == 0)
        {
            text = ExchangeErrorCodes.Http((int)status);
        }

        return new ExchangeException(ExchangeName.Binance, kind, text, message);
    }

    private static ExchangeErrorKind ByStatus(HttpStatusCode status, string message) => (int)status switch
    {
        429 => ExchangeErrorKind.Retryable,
        418 => ExchangeErrorKind.AccountFatal,
        401 => ExchangeErrorKind.AccountFatal,
        408 => ExchangeErrorKind.OutcomeUnknown,
        // 503 "Service Unavailable." and "Request throttled…" are definite failures; "Unknown error…" is not.
        503 when message.Contains("Service Unavailable", StringComparison.OrdinalIgnoreCase)
              || message.Contains("throttled", StringComparison.OrdinalIgnoreCase) => ExchangeErrorKind.Retryable,
        >= 500 => ExchangeErrorKind.OutcomeUnknown,
        _ => ExchangeErrorKind.Rejected,
    };
}
