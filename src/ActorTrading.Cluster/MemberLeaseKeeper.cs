namespace ActorTrading.Cluster;

/// <summary>What one renewal of the member lease found.</summary>
public enum LeaseRenewal
{
    /// <summary>The lease was renewed by the TTL.</summary>
    Renewed,

    /// <summary>No live row of this incarnation (it was downed): it must stop and rejoin as a new incarnation.</summary>
    Downed,
}

/// <summary>Renews this member's lease once (the membership store's heartbeat). A failure (the database unreachable) throws;
/// the keeper tries again at the next heartbeat and its local deadline decides when the node must stop.</summary>
public interface IMemberLeaseRenewer
{
    /// <summary>Renews the lease; <paramref name="cancellationToken"/> is cancelled when the attempt outlives the local deadline.</summary>
    ValueTask<LeaseRenewal> RenewAsync(CancellationToken cancellationToken);
}

/// <summary>Where the keeper stands.</summary>
public enum MemberLeaseState
{
    /// <summary>A renewal succeeded within the local deadline: the node may run its shards.</summary>
    Holding,

    /// <summary>No renewal succeeded by the local deadline: the node must stop its own shards now, before the database lease
    /// can expire and another member takes them. A later successful renewal returns to <see cref="Holding"/>.</summary>
    Lost,

    /// <summary>The database no longer has this incarnation live: stop its shards and rejoin as a new incarnation. Final.</summary>
    Downed,
}

/// <summary>A change of <see cref="MemberLeaseKeeper.State"/>, with the reason an operator reads in the log.</summary>
/// <param name="State">The new state.</param>
/// <param name="Reason">Why.</param>
public sealed record MemberLeaseChange(MemberLeaseState State, string Reason);

/// <summary>
/// Keeps this member's lease (fail-stop): renews it every <see cref="ClusterSettings.HeartbeatInterval"/> and keeps a local
/// deadline on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>) at <see cref="ClusterSettings.LocalLeaseDeadline"/>
/// after the last renewal that succeeded was <em>sent</em>: the database's expiry is counted from a moment no earlier than
/// that, so the node stops its shards before the database can give them away.
/// <code>
///            renewal ok                    deadline passed
///  Holding ───────────► Holding   Holding ─────────────────► Lost ──(renewal ok)──► Holding
///     │  renewal: 0 rows                                      │ renewal: 0 rows
///     └───────────────────────────► Downed ◄──────────────────┘
/// </code>
/// </summary>
public sealed class MemberLeaseKeeper : IAsyncDisposable
{
    private readonly IMemberLeaseRenewer _renewer;
    private readonly ClusterSettings _settings;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private ITimer? _heartbeat;
    private ITimer? _deadlineTimer;
    private long _deadline;
    private int _renewing;
    private Task _lastRenewal = Task.CompletedTask;
    private MemberLeaseState _state = MemberLeaseState.Holding;

    /// <summary>A keeper that renews through <paramref name="renewer"/>, on <paramref name="time"/> (default: the system clock).</summary>
    public MemberLeaseKeeper(IMemberLeaseRenewer renewer, ClusterSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(renewer);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _renewer = renewer;
        _settings = settings;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised on every change of <see cref="State"/> (on the thread that saw it; handlers must not block).</summary>
    public event Action<MemberLeaseChange>? Changed;

    /// <summary>Where the keeper stands.</summary>
    public MemberLeaseState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Starts renewing. <paramref name="grantedAt"/> is the <see cref="TimeProvider.GetTimestamp"/> taken just before
    /// the statement that granted the lease (the join) was sent: the first local deadline counts from it.</summary>
    public void Start(long grantedAt)
    {
        lock (_gate)
        {
            if (_heartbeat is not null)
            {
                throw new InvalidOperationException("the member lease keeper is already started");
            }

            _deadline = grantedAt + Ticks(_settings.LocalLeaseDeadline);
            _deadlineTimer = _time.CreateTimer(_ => OnDeadline(), null, Remaining(), Timeout.InfiniteTimeSpan);
            _heartbeat = _time.CreateTimer(_ => OnHeartbeat(), null, _settings.HeartbeatInterval, _settings.HeartbeatInterval);
        }
    }

    /// <summary>Stops renewing (the lease then expires in the database unless the member left first).</summary>
    public async ValueTask DisposeAsync()
    {
        Task last;
        lock (_gate)
        {
            _heartbeat?.Dispose();
            _deadlineTimer?.Dispose();
        }

        last = Volatile.Read(ref _lastRenewal);

        await _stopping.CancelAsync();
        try
        {
            await last;
        }
        catch (OperationCanceledException)
        {
            // The renewal in flight ends with the keeper.
        }

        _stopping.Dispose();
    }

    private void OnHeartbeat()
    {
        // One renewal at a time: a slow one is cut at the deadline, and the next heartbeat tries again.
        if (Interlocked.CompareExchange(ref _renewing, 1, 0) != 0 || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (State == MemberLeaseState.Downed)
        {
            Volatile.Write(ref _renewing, 0);
            return;
        }

        // Outside the gate: a renewal that completes at once raises Changed, and handlers never run under the keeper's lock.
        Volatile.Write(ref _lastRenewal, RenewAsync());
    }

    private async Task RenewAsync()
    {
        var sent = _time.GetTimestamp();
        TimeSpan remaining;
        lock (_gate)
        {
            remaining = Remaining();
        }

        // Cut at the deadline (a blackholed socket would hold it for minutes), but never shorter than one heartbeat.
        using var attempt = new CancellationTokenSource(remaining > _settings.HeartbeatInterval ? remaining : _settings.HeartbeatInterval, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, _stopping.Token);
        LeaseRenewal result;
        try
        {
            result = await _renewer.RenewAsync(linked.Token);
        }
#pragma warning disable CA1031 // Any failure of one renewal (or its cut at the deadline) is judged by the deadline, not here.
        catch (Exception)
#pragma warning restore CA1031
        {
            Volatile.Write(ref _renewing, 0);
            return;
        }

        MemberLeaseChange? change = null;
        lock (_gate)
        {
            if (result == LeaseRenewal.Downed)
            {
                if (_state != MemberLeaseState.Downed)
                {
                    _state = MemberLeaseState.Downed;
                    _heartbeat?.Dispose();
                    _deadlineTimer?.Dispose();
                    change = new(MemberLeaseState.Downed, "downed: this incarnation is no longer a live member; stop its shards and rejoin as a new incarnation");
                }
            }
            else if (_state != MemberLeaseState.Downed)
            {
                _deadline = Math.Max(_deadline, sent + Ticks(_settings.LocalLeaseDeadline));
                _deadlineTimer?.Change(Remaining(), Timeout.InfiniteTimeSpan);
                if (_state == MemberLeaseState.Lost)
                {
                    _state = MemberLeaseState.Holding;
                    change = new(MemberLeaseState.Holding, "member lease renewed again: this incarnation is still live");
                }
            }
        }

        Volatile.Write(ref _renewing, 0);
        if (change is not null)
        {
            Changed?.Invoke(change);
        }
    }

    private void OnDeadline()
    {
        MemberLeaseChange? change = null;
        lock (_gate)
        {
            if (_state != MemberLeaseState.Holding)
            {
                return;
            }

            var remaining = Remaining();
            if (remaining > TimeSpan.Zero)
            {
                // A renewal moved the deadline after this timer was due.
                _deadlineTimer?.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            _state = MemberLeaseState.Lost;
            change = new(MemberLeaseState.Lost,
                $"lease lost: no renewal succeeded within {_settings.LocalLeaseDeadline.TotalSeconds:0.###} s; stop this node's shards before the member lease ({_settings.MemberLeaseTtl.TotalSeconds:0.###} s) expires");
        }

        Changed?.Invoke(change);
    }

    // Under _gate.
    private TimeSpan Remaining()
    {
        var now = _time.GetTimestamp();
        return now >= _deadline ? TimeSpan.Zero : _time.GetElapsedTime(now, _deadline);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
