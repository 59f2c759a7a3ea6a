namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// One venue limit (Binance REQUEST_WEIGHT per minute per IP, ORDERS per 10 s per account; Bybit per
/// endpoint per second per UID) as a fixed window aligned to the clock, as the venues count them. Usage
/// is counted locally and corrected from the venue's response headers; a 429 or "too many visits"
/// blocks the window until the venue's Retry-After or reset time.
/// </summary>
internal sealed class RateWindow(string name, int limit, TimeSpan window, double headroom, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _windowMs = (long)window.TotalMilliseconds;
    private int _limit = limit;
    private long _windowStartMs;
    private int _used;
    private long _blockedUntilMs;

    public string Name => name;

    public int Limit
    {
        get { lock (_lock) { return _limit; } }
    }

    /// <summary>How long to wait before <paramref name="cost"/> units may be spent; zero means they were reserved now.</summary>
    public TimeSpan Reserve(int cost)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (_blockedUntilMs > now)
            {
                return TimeSpan.FromMilliseconds(_blockedUntilMs - now);
            }

            Roll(now);
            var allowed = Math.Max(1, (int)(_limit * headroom));
            if (_used > 0 && _used + cost > allowed)
            {
                return TimeSpan.FromMilliseconds(_windowStartMs + _windowMs - now);
            }

            _used += cost;
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Waits until <paramref name="cost"/> units are reserved. A wait that would end after the call's
    /// <see cref="ExchangeDeadline"/> is not started (<see cref="ExchangeErrorCodes.DeadlineExceeded"/>), nor one longer than
    /// <paramref name="maxWait"/> (<see cref="ExchangeErrorCodes.RateLimited"/>); either way nothing was sent.
    /// </summary>
    public async Task WaitAsync(int cost, ExchangeName exchange, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        for (var delay = Reserve(cost); delay > TimeSpan.Zero; delay = Reserve(cost))
        {
            if (ExchangeDeadline.Current is { } deadline && delay >= deadline.Remaining)
            {
                throw new ExchangeException(exchange, ExchangeErrorKind.Retryable, ExchangeErrorCodes.DeadlineExceeded,
                    $"{name} limit {Limit} reached; next capacity in {delay.TotalSeconds:0.###} s, after the call's deadline "
                    + $"({Math.Max(0, deadline.Remaining.TotalMilliseconds):0} ms left of {deadline.Budget.TotalSeconds:0.#} s); nothing sent");
            }

            if (delay > maxWait)
            {
                throw new ExchangeException(exchange, ExchangeErrorKind.Retryable, ExchangeErrorCodes.RateLimited,
                    $"{name} limit {Limit} reached; next capacity in {delay.TotalSeconds:0.#} s");
            }

            await Task.Delay(delay, time, cancellationToken);
            ExchangeMetrics.RateLimitWaited(exchange, name, delay);
        }
    }

    /// <summary>The venue says <paramref name="used"/> units of this window are spent (it knows other clients on the same IP or key).</summary>
    public void ObserveUsed(int used)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            Roll(now);
            _used = Math.Max(_used, used);
        }
    }

    /// <summary>The venue names the limit itself (exchangeInfo rateLimits, X-Bapi-Limit).</summary>
    public void ObserveLimit(int newLimit)
    {
        if (newLimit > 0)
        {
            lock (_lock)
            {
                _limit = newLimit;
            }
        }
    }

    /// <summary>Nothing is sent before <paramref name="untilUnixMs"/> (Retry-After, reset timestamp, ban).</summary>
    public void BlockUntil(long untilUnixMs)
    {
        lock (_lock)
        {
            _blockedUntilMs = Math.Max(_blockedUntilMs, untilUnixMs);
        }
    }

    private void Roll(long now)
    {
        var start = now - (now % _windowMs);
        if (start != _windowStartMs)
        {
            _windowStartMs = start;
            _used = 0;
        }
    }
}
