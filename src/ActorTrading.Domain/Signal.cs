using System.Globalization;
using System.Text.Json;

namespace ActorTrading.Domain;

/// <summary>What a signal asks for.</summary>
public enum SignalAction
{
    /// <summary>Be long.</summary>
    Buy,

    /// <summary>Be short.</summary>
    Sell,

    /// <summary>Be flat.</summary>
    Close,

    /// <summary>Close a long position (<c>exit long</c>); a short one is left alone.</summary>
    CloseLong,

    /// <summary>Close a short position (<c>exit short</c>); a long one is left alone.</summary>
    CloseShort,
}

/// <summary>What the actions mean, said once.</summary>
public static class SignalActions
{
    /// <summary>Whether <paramref name="action"/> only closes (never opens).</summary>
    public static bool Closes(this SignalAction action) => action is SignalAction.Close or SignalAction.CloseLong or SignalAction.CloseShort;

    /// <summary>The action's name in the API and the read tables: <c>buy</c>, <c>sell</c>, <c>close</c>, <c>close_long</c>,
    /// <c>close_short</c>.</summary>
    public static string Name(this SignalAction action) => action switch
    {
        SignalAction.CloseLong => "close_long",
        SignalAction.CloseShort => "close_short",
        _ => action.ToString().ToLowerInvariant(),
    };
}

/// <summary>A validated alert: the secret is checked by the caller and not kept here.</summary>
/// <param name="Ticker">The exchange symbol (<c>BTCUSDT</c>), normalized from TradingView's form.</param>
/// <param name="Action">Buy, sell or close.</param>
/// <param name="AlertPrice">The price in the alert: informative only, never used for sizing.</param>
/// <param name="AlertId">The sender's id of the alert, for de-duplication.</param>
/// <param name="SentAt">When the sender says it fired the alert.</param>
public sealed record Signal(string Ticker, SignalAction Action, decimal? AlertPrice, string? AlertId, DateTimeOffset? SentAt);

/// <summary>A parsed alert with its secret, before the secret is checked.</summary>
public sealed record ParsedAlert(string Secret, Signal Signal);

/// <summary>
/// Parses TradingView alerts (<c>{"secret":…,"ticker":"BINANCE:BTCUSDT.P","action":"buy","price":"…"}</c>,
/// plus optional <c>alert_id</c>, <c>market_position</c>, <c>time</c>). Every problem names its field.
/// </summary>
public static class AlertParser
{
    /// <summary>Parses and validates; returns the alert or the list of field errors.</summary>
    public static (ParsedAlert? Alert, IReadOnlyList<FieldError> Errors) Parse(string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            return (null, [new FieldError("body", $"is not valid JSON: {exception.Message}")]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, [new FieldError("body", "must be a JSON object")]);
            }

            var root = document.RootElement;
            var errors = new List<FieldError>();
            var secret = RequiredString(root, "secret", errors);
            var rawTicker = RequiredString(root, "ticker", errors);
            var rawAction = RequiredString(root, "action", errors);
            var price = OptionalDecimal(root, "price", errors);
            var alertId = OptionalString(root, "alert_id", errors);
            var marketPosition = OptionalString(root, "market_position", errors);
            var sentAt = OptionalTime(root, "time", errors);

            var ticker = rawTicker is null ? null : NormalizeTicker(rawTicker, errors);
            var action = rawAction is null ? (SignalAction?)null : ParseAction(rawAction, marketPosition, errors);
            if (alertId is { Length: > 128 })
            {
                errors.Add(new FieldError("alert_id", "must be at most 128 characters"));
            }

            return errors.Count > 0 || secret is null || ticker is null || action is null
                ? (null, errors)
                : (new ParsedAlert(secret, new Signal(ticker, action.Value, price, alertId, sentAt)), []);
        }
    }

    /// <summary>TradingView's <c>EXCHANGE:SYMBOL.P</c> (or <c>SYMBOLPERP</c>) to the exchange symbol <c>SYMBOL</c>.</summary>
    public static string? NormalizeTicker(string ticker, List<FieldError> errors)
    {
        var symbol = ticker.Trim().ToUpperInvariant();
        var colon = symbol.LastIndexOf(':');
        if (colon >= 0)
        {
            symbol = symbol[(colon + 1)..];
        }

        if (symbol.EndsWith(".P", StringComparison.Ordinal))
        {
            symbol = symbol[..^2];
        }
        else if (symbol.EndsWith("PERP", StringComparison.Ordinal) && symbol.Length > 4)
        {
            symbol = symbol[..^4];
        }

        if (symbol.Length is < 2 or > 30 || !symbol.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add(new FieldError("ticker", $"'{ticker}' is not a symbol (expected e.g. BTCUSDT or BINANCE:BTCUSDT.P)"));
            return null;
        }

        return symbol;
    }

    private static SignalAction? ParseAction(string action, string? marketPosition, List<FieldError> errors)
    {
        if (string.Equals(marketPosition, "flat", StringComparison.OrdinalIgnoreCase))
        {
            return SignalAction.Close;
        }

        if (marketPosition is not null && !marketPosition.Equals("long", StringComparison.OrdinalIgnoreCase) && !marketPosition.Equals("short", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new FieldError("market_position", $"must be long, short or flat, got '{marketPosition}'"));
            return null;
        }

        // The words published alert templates use, compared without case, spaces, '_' or '-' ("Close All", "exit_long").
        var word = new string([.. action.Trim().ToLowerInvariant().Where(c => c is not (' ' or '_' or '-'))]);
        switch (word)
        {
            case "buy" or "long":
                return SignalAction.Buy;
            case "sell" or "short":
                return SignalAction.Sell;
            case "close" or "exit" or "flat" or "flatten" or "closeall" or "exitall" or "closeposition" or "closeallpositions":
                return SignalAction.Close;
            case "exitlong" or "closelong" or "longexit":
                return SignalAction.CloseLong;
            case "exitshort" or "closeshort" or "shortexit":
                return SignalAction.CloseShort;
            default:
                errors.Add(new FieldError("action", $"must be buy, sell, close (or exit, flat, close all), exit long or exit short, got '{action}'"));
                return null;
        }
    }

    private static string? RequiredString(JsonElement root, string field, List<FieldError> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError(field, "is required"));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, "must be a non-empty string"));
            return null;
        }

        var text = Text(value, field, errors);
        if (text is not null && string.IsNullOrWhiteSpace(text))
        {
            errors.Add(new FieldError(field, "must be a non-empty string"));
            return null;
        }

        return text;
    }

    // A JSON string may escape a lone surrogate ("\ud800"): valid JSON, but no text, and GetString throws on it.
    private static string? Text(JsonElement value, string field, List<FieldError> errors)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            errors.Add(new FieldError(field, "is not valid text (it escapes an unpaired UTF-16 surrogate)"));
            return null;
        }
    }

    private static string? OptionalString(JsonElement root, string field, List<FieldError> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.Number)
        {
            return value.GetRawText();
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, "must be a string"));
            return null;
        }

        return Text(value, field, errors) is { Length: > 0 } text ? text : null;
    }

    private static decimal? OptionalDecimal(JsonElement root, string field, List<FieldError> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string? text = null;
        if (value.ValueKind == JsonValueKind.String && (text = Text(value, field, errors)) is null)
        {
            return null;
        }

        text ??= value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null;

        if (text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            return number;
        }

        errors.Add(new FieldError(field, $"must be a positive number, got {value.GetRawText()}"));
        return null;
    }

    private static DateTimeOffset? OptionalTime(JsonElement root, string field, List<FieldError> errors)
    {
        if (OptionalString(root, field, errors) is not { } text)
        {
            return null;
        }

        // TradingView's {{time}} is ISO 8601 UTC; {{timenow}} too. Unix milliseconds are accepted as well.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds > 1_000_000_000_000)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        }

        errors.Add(new FieldError(field, $"must be an ISO 8601 time or unix milliseconds, got '{text}'"));
        return null;
    }
}
