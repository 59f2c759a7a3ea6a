namespace ActorTrading.Domain;

/// <summary>How a subscription trades: leverage, margin per trade and protective distances in percent.</summary>
public sealed record TradingParameters(int Leverage, decimal MarginUsd, decimal? StopLossPct, decimal? TakeProfitPct);

/// <summary>A subscription's optional overrides of its bot's defaults; null means "the bot's default".</summary>
public sealed record ParameterOverrides(int? Leverage = null, decimal? MarginUsd = null, decimal? StopLossPct = null, decimal? TakeProfitPct = null)
{
    /// <summary>No overrides.</summary>
    public static ParameterOverrides None { get; } = new();
}

/// <summary>Resolving and validating parameters.</summary>
public static class EffectiveConfiguration
{
    /// <summary>Highest leverage the exchanges offer on USDT perpetuals.</summary>
    public const int MaxLeverage = 125;

    /// <summary>The subscription's override where set, else the bot's default.</summary>
    public static TradingParameters Resolve(TradingParameters botDefaults, ParameterOverrides overrides) => new(
        overrides.Leverage ?? botDefaults.Leverage,
        overrides.MarginUsd ?? botDefaults.MarginUsd,
        overrides.StopLossPct ?? botDefaults.StopLossPct,
        overrides.TakeProfitPct ?? botDefaults.TakeProfitPct);

    /// <summary>Problems with a bot's defaults, each naming its field (snake_case, as the API spells it).</summary>
    public static IReadOnlyList<FieldError> ValidateDefaults(TradingParameters defaults) =>
    [
        .. CheckLeverage("default_leverage", defaults.Leverage),
        .. CheckPositive("default_margin_usd", defaults.MarginUsd),
        .. CheckPercent("default_stop_loss_pct", defaults.StopLossPct),
        .. CheckPercent("default_take_profit_pct", defaults.TakeProfitPct),
    ];

    /// <summary>Problems with overrides: an override of zero or below is refused, never silently replaced by the default.</summary>
    public static IReadOnlyList<FieldError> ValidateOverrides(ParameterOverrides overrides) =>
    [
        .. overrides.Leverage is { } leverage ? CheckLeverage("custom_leverage", leverage) : [],
        .. overrides.MarginUsd is { } margin ? CheckPositive("custom_margin_usd", margin) : [],
        .. CheckPercent("custom_stop_loss_pct", overrides.StopLossPct),
        .. CheckPercent("custom_take_profit_pct", overrides.TakeProfitPct),
    ];

    private static IEnumerable<FieldError> CheckLeverage(string field, int leverage)
    {
        if (leverage is < 1 or > MaxLeverage)
        {
            yield return new FieldError(field, $"must be between 1 and {MaxLeverage}, got {leverage}");
        }
    }

    private static IEnumerable<FieldError> CheckPositive(string field, decimal value)
    {
        if (value <= 0)
        {
            yield return new FieldError(field, $"must be greater than 0, got {value}");
        }
    }

    private static IEnumerable<FieldError> CheckPercent(string field, decimal? value)
    {
        if (value is { } percent && (percent <= 0 || percent >= 100))
        {
            yield return new FieldError(field, $"must be greater than 0 and less than 100, got {percent}");
        }
    }
}

/// <summary>A bad input field and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Problem)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Field}: {Problem}";
}
