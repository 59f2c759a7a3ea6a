namespace ActorTrading.Exchanges;

/// <summary>
/// The deadline of one exchange call, set by the caller that owns the call's time limit (the account gateway) and read
/// by the clients, which fit their rate-limit waits, retry delays and per-attempt timeouts inside it: a wait or a delay
/// that would end after it is not started. It flows with the call like an <see cref="System.Diagnostics.Activity"/>,
/// because a <see cref="CancellationToken"/> cannot say when it will fire and the port's signatures stay as they are.
/// Without one (a client used directly) the clients keep their own limits.
/// </summary>
public sealed class ExchangeDeadline
{
    private static readonly AsyncLocal<ExchangeDeadline?> Ambient = new();
    private readonly TimeProvider _clock;
    private readonly long _startedAt;

    private ExchangeDeadline(TimeSpan budget, TimeProvider clock, bool savesDeferred)
    {
        Budget = budget;
        SavesDeferred = savesDeferred;
        _clock = clock;
        _startedAt = clock.GetTimestamp();
    }

    /// <summary>The deadline of the exchange call running here, or null when its caller set none.</summary>
    public static ExchangeDeadline? Current => Ambient.Value;

    /// <summary>Whether the call leaves its saving to its caller, as within <see cref="DeferredSaves.Begin"/>: one ambient
    /// value for the gateway's turn instead of two (each set copies the execution context).</summary>
    public bool SavesDeferred { get; }

    /// <summary>The whole time the call was given.</summary>
    public TimeSpan Budget { get; }

    /// <summary>What is left of <see cref="Budget"/> now; zero or less once it ran out.</summary>
    public TimeSpan Remaining => Budget - _clock.GetElapsedTime(_startedAt);

    /// <summary>
    /// Gives the calls started until the scope is disposed <paramref name="budget"/> from now, measured on
    /// <paramref name="clock"/> (the clock the caller's own time limit runs on; the system clock when null).
    /// </summary>
    public static Scope Begin(TimeSpan budget, TimeProvider? clock = null) => Begin(budget, savesDeferred: false, clock);

    /// <summary>As <see cref="Begin(TimeSpan, TimeProvider?)"/>, and with <paramref name="savesDeferred"/> the calls leave
    /// their saving to the caller (<see cref="DeferredSaves"/>).</summary>
    public static Scope Begin(TimeSpan budget, bool savesDeferred, TimeProvider? clock = null)
    {
        var previous = Ambient.Value;
        Ambient.Value = new ExchangeDeadline(budget, clock ?? TimeProvider.System, savesDeferred);
        return new Scope(previous);
    }

    /// <summary>Restores the deadline that was current before <see cref="Begin(TimeSpan, bool, TimeProvider?)"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly ExchangeDeadline? _previous;

        internal Scope(ExchangeDeadline? previous) => _previous = previous;

        /// <inheritdoc/>
        public void Dispose() => Ambient.Value = _previous;
    }
}
