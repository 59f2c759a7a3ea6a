using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Serialization;
using ActorTrading.Actors.Sharding;
using ActorTrading.Cluster.Postgres;
using ActorTrading.Remote;
using ActorTrading.Remote.Transport;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ActorTrading.Cluster.Hosting;

/// <summary>
/// This node as a member of the cluster. <see cref="PrepareAsync"/> reads what the actor system needs before it exists (the
/// cluster secret, the remoting listener); <see cref="JoinAsync"/> then joins the membership, keeps the member lease
/// (fail-stop: every shard stops when no renewal succeeded by the local deadline), downs members whose lease expired,
/// watches the membership and makes every shard region allocate by shard leases. Coordinated shutdown leaves gracefully:
/// <c>leaving</c>, every shard handed off (its lease given back), <c>exiting</c>, <c>removed</c>.
/// </summary>
public sealed partial class ClusterMember : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterSettings _settings;
    private readonly string _httpAddress;
    private readonly string _appVersion;
    private readonly string _secret;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<long, MemberStatus> _seen = [];
    private ActorSystem? _system;
    private MemberLeaseKeeper? _keeper;
    private MembershipWatcher? _watcher;
    private Task _downing = Task.CompletedTask;
    private Task _rebalancing = Task.CompletedTask;
    private ClusterRebalancer? _rebalancer;
    private int _left;
    private int _leaveRequested;

    private ClusterMember(NpgsqlDataSource dataSource, ClusterSettings settings, string httpAddress, string appVersion, string secret, Socket listener,
        Address remotingAddress, DatabaseClock clock, ILogger logger)
    {
        Clock = clock;
        _dataSource = dataSource;
        _settings = settings;
        _httpAddress = httpAddress;
        _appVersion = appVersion;
        _secret = secret;
        _listener = listener;
        RemotingAddress = remotingAddress;
        Logger = logger;
        Membership = new PostgresMembershipStore(dataSource, settings);
        Leases = new PostgresShardLeaseStore(dataSource, settings);
    }

    /// <summary>The name every node's actor system has: a remote path names it, so it is the same everywhere.</summary>
    public const string SystemName = "actortrading";

    /// <summary>Where peers send this node actor messages.</summary>
    public Address RemotingAddress { get; }

    /// <summary>The membership table.</summary>
    public PostgresMembershipStore Membership { get; }

    /// <summary>This node's wall clock corrected to the database's, at start and at every heartbeat: the actor system's
    /// clock (<see cref="Configure"/>), so that what entities stamp and compare agrees across nodes.</summary>
    public DatabaseClock Clock { get; }

    /// <summary>The shard lease table.</summary>
    public PostgresShardLeaseStore Leases { get; }

    /// <summary>This member's incarnation (0 before <see cref="JoinAsync"/>).</summary>
    public long Incarnation { get; private set; }

    /// <summary>The lease source the journal writes under: the leases this member's allocation won.</summary>
    public IWriterLeaseSource WriterLeases => new ClusterWriterLeaseSource(Leases, Incarnation);

    /// <summary>The membership as last read (NOTIFY, or the poll).</summary>
    public IReadOnlyList<Member> Members => _watcher?.Current.Members ?? [];

    /// <summary>Where the member lease stands.</summary>
    public MemberLeaseState LeaseState => _keeper?.State ?? MemberLeaseState.Lost;

    /// <summary>Whether this member may run shards now: joined, up, its lease held, not leaving.</summary>
    public bool CanHost => Incarnation != 0 && LeaseState == MemberLeaseState.Holding && Volatile.Read(ref _left) == 0
                           && _settings.RoleList.Contains(ClusterRoles.Trading);

    /// <summary>Whether this member is up with its lease held (what <c>/health/ready</c> asks).</summary>
    public bool IsUp => Incarnation != 0 && LeaseState == MemberLeaseState.Holding && Volatile.Read(ref _left) == 0;

    /// <summary>Raised when members were downed or came up, and when this member holds its lease again: shards may have
    /// moved, so work that was in flight on them is to be woken wherever they are now.</summary>
    public event Action? ShardsMayHaveMoved;

    /// <summary>Raised once when the database downed this member: it must stop and start again as a new incarnation.</summary>
    public event Action<string>? Downed;

    /// <summary>Raised once when an operator made this member <c>leaving</c> (<c>cluster leave</c>) before its own shutdown
    /// began: the host is to stop gracefully, which hands its shards off.</summary>
    public event Action? LeaveRequested;

    /// <summary>Raised for every change of a member's status the membership shows (this member's too): Akka's member
    /// events, for <c>cluster tail</c>.</summary>
    public event Action<MemberEvent>? MemberEvents;

    internal ILogger Logger { get; }

    /// <summary>A rebalance round moved shards: work in flight on them is woken wherever they are now.</summary>
    internal void ShardsMoved() => ShardsMayHaveMoved?.Invoke();

    /// <summary>The remoting address <paramref name="member"/> published; null when it has none or it cannot be read.</summary>
    public static Address? RemotingAddressOf(Member member) =>
        member.RemotingAddress is { } text && Address.TryParse(text, out var address) ? address : null;

    /// <summary>Migrates the schema, reads (or generates) the cluster secret, reads the database's clock and binds the
    /// remoting listener on the host of <paramref name="httpAddress"/>. <paramref name="localClock"/> is the host's clock
    /// (default <see cref="TimeProvider.System"/>), which <see cref="Clock"/> corrects.</summary>
    public static async Task<ClusterMember> PrepareAsync(ClusterSettings settings, string postgres, string httpAddress, string appVersion, ILoggerFactory loggers,
        TimeProvider? localClock = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        // Short limits: a statement stuck on a connection that lost its peer (a partition) must fail within a heartbeat or
        // two, so that the next renewal, on a fresh connection, can learn the member was downed.
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres)
        {
            Timeout = 5,
            CommandTimeout = (int)Math.Ceiling(settings.MemberLeaseTtl.TotalSeconds) + 2,
            CancellationTimeout = 1_000,
        }.ConnectionString);
        try
        {
            await ClusterSchema.MigrateAsync(dataSource, cancellationToken);
            var membership = new PostgresMembershipStore(dataSource, settings);
            var secret = settings.Secret ?? await membership.ClusterSecretAsync(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);
            var clock = new DatabaseClock(localClock ?? TimeProvider.System);
            await membership.ObserveClockAsync(clock, cancellationToken);
            var host = new Uri(httpAddress).Host;
            var listener = RemoteTransport.Listen(new IPEndPoint(BindAddress(host), settings.RemotingPort));
            var port = settings.RemotingPublicPort is > 0 and var published ? published
                : ((IPEndPoint)(listener.LocalEndPoint ?? throw new InvalidOperationException("the remoting listener has no endpoint"))).Port;
            return new ClusterMember(dataSource, settings, httpAddress, appVersion, secret, listener,
                new Address(Address.TcpProtocol, SystemName, host, port), clock, loggers.CreateLogger("ActorTrading.Cluster"));
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    /// <summary><paramref name="settings"/> with this member's remoting address, remoting installed, and <see cref="Clock"/>.</summary>
    public ActorSystemSettings Configure(ActorSystemSettings settings, Func<IActorRefProvider, IMessageSerializer> serializer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return (settings with { Address = RemotingAddress, TimeProvider = Clock }).WithRemoting(new RemoteSettings { Secret = _secret, Serializer = serializer, Listener = _listener });
    }

    /// <summary>Joins as a new incarnation, and makes every shard region started after this allocate by shard leases.</summary>
    public async Task JoinAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        _system = system;
        var (joined, grantedAt) = await JoinAsNewIncarnationAsync(cancellationToken);
        Incarnation = joined.Incarnation;
        _keeper = new MemberLeaseKeeper(Membership.Renewer(Incarnation, Clock), _settings);
        _keeper.Changed += LeaseChanged;
        _keeper.Start(grantedAt);
        _watcher = await MembershipWatcher.StartAsync(_dataSource, _settings, cancellationToken: cancellationToken);
        _watcher.Changed += MembershipChanged;
        MembershipChanged(_watcher.Current);
        _downing = Task.Run(() => DownExpiredMembersAsync(_stopping.Token), CancellationToken.None);
        var rebalancer = _rebalancer = new ClusterRebalancer(this, _settings, system);
        _rebalancing = Task.Run(() => rebalancer.RunAsync(_stopping.Token), CancellationToken.None);
        ClusterSharding.Get(system).UseAllocator(type => new ClusterShardAllocator(type, this));
        ClusterLog.Joined(Logger, Incarnation, _httpAddress, RemotingAddress, _settings.Roles);

        var shutdown = CoordinatedShutdown.Get(system);
        // Leaving first: from here no allocator names this node, so the shards it hands off go to the others.
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "cluster leave", async cancellation =>
        {
            Volatile.Write(ref _left, 1);
            await Membership.LeaveAsync(Incarnation, cancellation);
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseClusterExiting, "cluster exiting", async cancellation => await Membership.ExitingAsync(Incarnation, cancellation));
        shutdown.AddTask(CoordinatedShutdown.PhaseClusterShutdown, "cluster removed", async cancellation =>
        {
            await Membership.RemoveAsync(Incarnation, cancellation);
            ClusterLog.Removed(Logger, Incarnation);
        });
    }

    // A node started again right after a crash finds its previous incarnation still live until that one's lease expires:
    // it waits for it to be downed (downing it itself, as any member would), for at most a lease and a grace.
    private async Task<(Member Joined, long GrantedAt)> JoinAsNewIncarnationAsync(CancellationToken cancellationToken)
    {
        var identity = new MemberIdentity(Dns.GetHostName(), _httpAddress, _settings.RoleList, _appVersion) { RemotingAddress = RemotingAddress.ToString() };
        var waitUntil = TimeProvider.System.GetTimestamp() + (long)((_settings.MemberLeaseTtl + _settings.RestartDowningGrace).TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            var grantedAt = TimeProvider.System.GetTimestamp();
            try
            {
                return (await Membership.JoinAsync(identity, cancellationToken), grantedAt);
            }
            catch (DuplicateMemberException taken) when (TimeProvider.System.GetTimestamp() < waitUntil)
            {
                ClusterLog.WaitingForPreviousIncarnation(Logger, taken.Address);
                await Membership.DownExpiredAsync(cancellationToken);
                await Task.Delay(_settings.HeartbeatInterval, cancellationToken);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _downing;
        await _rebalancing;
        if (_keeper is not null)
        {
            await _keeper.DisposeAsync();
        }

        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
        _stopping.Dispose();
    }

    // A host name is bound on every interface: which of them peers reach it on is the name's business.
    private static IPAddress BindAddress(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? literal
        : host == "localhost" ? IPAddress.Loopback
        : IPAddress.Any;

    // Any member may down one whose lease expired by the database clock; the version compare-and-swap makes it happen once.
    private async Task DownExpiredMembersAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_settings.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    foreach (var downed in await Membership.DownExpiredAsync(cancellationToken))
                    {
                        ClusterLog.DownedExpired(Logger, downed);
                    }
                }
                catch (Exception failure) when (failure is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    // The keeper's own renewal says what an outage means for this node; downing waits for the next tick.
                    ClusterLog.DowningFailed(Logger, failure.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void LeaseChanged(MemberLeaseChange change)
    {
        ClusterLog.LeaseChanged(Logger, change.State.ToString(), change.Reason);
        switch (change.State)
        {
            case MemberLeaseState.Lost:
                StopAllShards($"the member lease was not renewed in time ({change.Reason})");
                break;
            case MemberLeaseState.Downed:
                StopAllShards($"this member was downed ({change.Reason})");
                // Leaving, its row ends as removed, which a renewal cannot tell from downed: the shutdown under way ends it.
                if (Volatile.Read(ref _left) == 0)
                {
                    Downed?.Invoke(change.Reason);
                }

                break;
            case MemberLeaseState.Holding:
                ShardsMayHaveMoved?.Invoke();
                break;
        }
    }

    private void StopAllShards(string reason)
    {
        if (_system is { } system)
        {
            foreach (var region in ClusterSharding.Get(system).Regions)
            {
                region.Tell(new StopShards(reason), null);
            }
        }
    }

    private void MembershipChanged(MembershipView view)
    {
        if (_system is not { } system)
        {
            return;
        }

        var moved = false;
        var events = new List<MemberEvent>();
        var leaveRequested = false;
        lock (_seen)
        {
            foreach (var member in view.Members)
            {
                var known = _seen.TryGetValue(member.Incarnation, out var before);
                _seen[member.Incarnation] = member.Status;
                if (known && before == member.Status)
                {
                    continue;
                }

                events.Add(new MemberEvent(member, known ? before : null));
                if (member.Incarnation == Incarnation)
                {
                    leaveRequested = member.Status == MemberStatus.Leaving && Volatile.Read(ref _left) == 0;
                    continue;
                }

                // Leaving: the regions stop, and where the others' shards are is no longer this node's business.
                if (Volatile.Read(ref _left) == 1)
                {
                    continue;
                }

                moved |= member.Status is MemberStatus.Up or MemberStatus.Down;
                if (member.Status is MemberStatus.Up || RemotingAddressOf(member) is not { } address)
                {
                    continue;
                }

                // Leaving, exiting, down or removed: its shards are (or soon are) elsewhere; ask the allocator again.
                foreach (var region in ClusterSharding.Get(system).Regions)
                {
                    region.Tell(new ShardHomesLost(address), null);
                }

                if (member.Status is MemberStatus.Down or MemberStatus.Removed)
                {
                    RemoteActorRefProvider.Of(system).AddressTerminated(address);
                }

                if (known)
                {
                    ClusterLog.MemberChanged(Logger, member);
                }
            }
        }

        foreach (var change in events)
        {
            MemberEvents?.Invoke(change);
        }

        if (leaveRequested && Interlocked.Exchange(ref _leaveRequested, 1) == 0)
        {
            ClusterLog.LeaveRequested(Logger, Incarnation);
            LeaveRequested?.Invoke();
        }

        if (moved)
        {
            ShardsMayHaveMoved?.Invoke();
        }
    }
}
