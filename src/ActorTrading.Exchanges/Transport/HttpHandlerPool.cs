using System.Collections.Concurrent;

namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// One pooled <see cref="SocketsHttpHandler"/> per exchange host for the whole process (connections are
/// reused across accounts, DNS changes are picked up by the connection lifetime), and the per-IP limits
/// that belong to a host rather than to an account.
/// </summary>
internal static class HttpHandlerPool
{
    private static readonly ConcurrentDictionary<string, HttpClient> Clients = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, object> HostState = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The shared client of <paramref name="baseUrl"/>'s host. Timeouts are per call, so the client's own is infinite.</summary>
    public static HttpClient For(Uri baseUrl) => Clients.GetOrAdd(baseUrl.GetLeftPart(UriPartial.Authority), static _ =>
        new HttpClient(
            new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = 64,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            },
            disposeHandler: false)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        });

    /// <summary>State shared by every account on one host (for example Binance's IP weight).</summary>
    public static T HostShared<T>(Uri baseUrl, string key, Func<T> create)
        where T : class =>
        (T)HostState.GetOrAdd(baseUrl.GetLeftPart(UriPartial.Authority) + "|" + key, _ => create());
}
