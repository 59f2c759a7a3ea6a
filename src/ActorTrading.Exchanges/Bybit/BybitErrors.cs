using System.Globalization;
using System.Net;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>
/// Every Bybit V5 error becomes one <see cref="ExchangeException"/>, decided here and nowhere else
/// (retCodes: https://bybit-exchange.github.io/docs/v5/error; limits: …/docs/v5/rate-limit). Business errors
/// arrive as HTTP 200 with <c>retCode != 0</c>; other statuses are the transport's.
/// </summary>
internal static class BybitErrors
{
    public const int TimestampOutsideWindow = 10002;
    public const int TooManyVisits = 10006;
    public const int OrderDoesNotExist = 110001;
    public const int LeverageNotModified = 110043;
    public const int DuplicateOrderLinkId = 110072;

    /// <summary>Whether <paramref name="error"/> carries Bybit's <paramref name="retCode"/>.</summary>
    public static bool Is(ExchangeException error, int retCode) =>
        error.Exchange == ExchangeName.Bybit && error.Code == retCode.ToString(CultureInfo.InvariantCulture);

    public static ExchangeException Classify(HttpStatusCode status, int retCode, string message)
    {
        var kind = retCode switch
        {
            // No retCode: the status decides. 403 is the IP limit ("access too frequent", wait >= 10 min).
            0 => (int)status switch
            {
                403 => ExchangeErrorKind.AccountFatal,
                401 => ExchangeErrorKind.AccountFatal,
                429 => ExchangeErrorKind.Retryable,
                >= 500 => ExchangeErrorKind.OutcomeUnknown,
                _ => ExchangeErrorKind.Rejected,
            },

            // Server timeout / server error / "invalid duplicate request": the order may exist.
            10000 or 10016 or 10014 => ExchangeErrorKind.OutcomeUnknown,

            // Not executed: resync, wait for the limit's reset, or try a little later.
            TimestampOutsideWindow or TooManyVisits or 10018 or 429 or 110079 => ExchangeErrorKind.Retryable,

            // Key invalid (or for another environment), bad signature, no permission, IP not whitelisted, key expired.
            10003 or 10004 or 10005 or 10007 or 10010 or 33004 => ExchangeErrorKind.AccountFatal,

            _ => ExchangeErrorKind.Rejected,
        };

        var code = retCode switch
        {
            DuplicateOrderLinkId => ExchangeErrorCodes.DuplicateClientOrderId,
            0 when (int)status == 403 => ExchangeErrorCodes.Banned,
            0 => "http-" + ((int)status).ToString(CultureInfo.InvariantCulture),
            _ => retCode.ToString(CultureInfo.InvariantCulture),
        };
        return new ExchangeException(ExchangeName.Bybit, kind, code, message);
    }
}
