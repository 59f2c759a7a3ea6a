using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorTrading.Exchanges;

namespace ActorTrading.Trading;

/// <summary>
/// The trading meter: signals accepted, fan-outs and their outcomes, and every exchange call a gateway makes (its venue,
/// what it was, how it ended, how long it took). Tags have few values each: no bot, subscription or account ids.
/// </summary>
public static class TradingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorTrading.Trading";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> SignalsAccepted = Meter.CreateCounter<long>(
        "actortrading.signals.accepted", "{signal}", "Signals a bot accepted (stored and being fanned out)");

    private static readonly Histogram<double> FanOutDuration = Meter.CreateHistogram<double>(
        "actortrading.fanout.duration", "s", "From a signal's acceptance to the last subscription's outcome");

    private static readonly Counter<long> Outcomes = Meter.CreateCounter<long>(
        "actortrading.outcomes", "{outcome}", "Subscriptions' outcomes of signals, by status");

    private static readonly Counter<long> ExchangeCalls = Meter.CreateCounter<long>(
        "actortrading.exchange.calls", "{call}", "Calls on exchange accounts by venue, call and result (ok, or the error's kind)");

    private static readonly Histogram<double> ExchangeCallDuration = Meter.CreateHistogram<double>(
        "actortrading.exchange.call.duration", "s", "Time of one gateway turn on an exchange account (a market order: leverage and order)");

    // Tag values made once: these are recorded at every call of every subscription.
    private static readonly string[] Venues = [.. Enum.GetValues<ExchangeName>().Select(v => v.ToString().ToLowerInvariant())];
    private static readonly string[] Statuses = [.. Enum.GetValues<ExecutionStatus>().Select(v => v.ToString().ToLowerInvariant())];
    private static readonly string[] ErrorKinds = [.. Enum.GetValues<ExchangeErrorKind>().Select(v => SnakeCase(v.ToString()))];

    internal static void SignalAccepted() => SignalsAccepted.Add(1);

    internal static void FanOutCompleted(TimeSpan elapsed) => FanOutDuration.Record(elapsed.TotalSeconds);

    internal static void OutcomeReceived(ExecutionStatus status) => Outcomes.Add(1, new KeyValuePair<string, object?>("status", Statuses[(int)status]));

    internal static void ExchangeCallEnded(ExchangeName? venue, object command, Exception? error, long startedTimestamp)
    {
        if (!ExchangeCalls.Enabled && !ExchangeCallDuration.Enabled)
        {
            return;
        }

        var venueTag = new KeyValuePair<string, object?>("venue", venue is { } v ? Venues[(int)v] : "unknown");
        var callTag = new KeyValuePair<string, object?>("call", command switch
        {
            AccountGatewayProtocol.PlaceMarketOrder => "market_order",
            AccountGatewayProtocol.ReadMarket => "read_market",
            _ => "other",
        });
        var result = error switch
        {
            null => "ok",
            LeverageNotSetException => "leverage_not_set",
            ExchangeException exchange => ErrorKinds[(int)exchange.Kind],
            _ => "error",
        };
        ExchangeCalls.Add(1, venueTag, callTag, new KeyValuePair<string, object?>("result", result));
        ExchangeCallDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, venueTag, callTag);
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
