using Npgsql;

namespace ActorTrading.Cluster.Postgres;

/// <summary>The membership as one read saw it.</summary>
/// <param name="Version">The membership version at the read.</param>
/// <param name="Members">Every member, oldest incarnation first.</param>
public sealed record MembershipView(long Version, IReadOnlyList<Member> Members);

/// <summary>
/// Keeps a current <see cref="MembershipView"/>: LISTENs on <see cref="ClusterSchema.MembershipChannel"/> to re-read at once
/// after a change, and re-reads every <see cref="ClusterSettings.MembershipPollInterval"/> anyway (NOTIFY is lost while the
/// listening connection is down; the poll is the backstop). Raises <see cref="Changed"/> when the version moved.
/// </summary>
public sealed class MembershipWatcher : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresMembershipStore _store;
    private readonly ClusterSettings _settings;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private MembershipView _current = new(-1, []);
    private long _notifications;

    private MembershipWatcher(NpgsqlDataSource dataSource, ClusterSettings settings, TimeProvider time)
    {
        _dataSource = dataSource;
        _settings = settings;
        _time = time;
        _store = new PostgresMembershipStore(dataSource, settings);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Starts watching; completes once the first read is done and the listener is in place.</summary>
    public static async Task<MembershipWatcher> StartAsync(NpgsqlDataSource dataSource, ClusterSettings settings, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var watcher = new MembershipWatcher(dataSource, settings, time ?? TimeProvider.System);
        await watcher._listening.Task.WaitAsync(cancellationToken);
        return watcher;
    }

    /// <summary>The membership as last read.</summary>
    public MembershipView Current => Volatile.Read(ref _current);

    /// <summary>How many NOTIFYs the watcher received (for tests and metrics).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    /// <summary>Raised after a read found a new version (on the watcher's own task; handlers must not block).</summary>
    public event Action<MembershipView>? Changed;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await _dataSource.OpenConnectionAsync(cancellationToken);
                listener.Notification += (_, _) => Interlocked.Increment(ref _notifications);
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterSchema.MembershipChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                // Listening before reading: a change committed after this read still wakes the wait below.
                while (!cancellationToken.IsCancellationRequested)
                {
                    await RefreshAsync(cancellationToken);
                    _listening.TrySetResult();
                    await listener.WaitAsync(_settings.MembershipPollInterval, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The database is away: wait a heartbeat, then connect and read again.
            catch (Exception)
#pragma warning restore CA1031
            {
                await Task.Delay(_settings.HeartbeatInterval, _time, cancellationToken);
            }
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var version = await _store.ReadVersionAsync(cancellationToken);
        if (version == Current.Version)
        {
            return;
        }

        // The version first: a change between the two reads is seen again at the next wake-up (its version is newer).
        var view = new MembershipView(version, await _store.ReadMembersAsync(cancellationToken));
        Volatile.Write(ref _current, view);
        Changed?.Invoke(view);
    }
}
