namespace ActorTrading.Exchanges.Transport;

/// <summary>An IP ban: while it lasts no account on the host sends anything.</summary>
internal sealed class BanState
{
    private long _untilMs;

    public void Ban(long untilUnixMs) => Interlocked.Exchange(ref _untilMs, Math.Max(Volatile.Read(ref _untilMs), untilUnixMs));

    public void ThrowIfBanned(TimeProvider time, ExchangeName exchange)
    {
        var until = Volatile.Read(ref _untilMs);
        if (until > time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            throw new ExchangeException(exchange, ExchangeErrorKind.AccountFatal, ExchangeErrorCodes.Banned,
                $"stopped: the exchange banned this IP until {DateTimeOffset.FromUnixTimeMilliseconds(until):O}");
        }
    }
}
