namespace ActorTrading.Cluster.Postgres;

/// <summary>A join refused: the address already has a live incarnation in the cluster (one live incarnation per address).</summary>
public sealed class DuplicateMemberException(string address, string detail, Exception? inner = null)
    : InvalidOperationException($"Address '{address}' already has a live incarnation in the cluster: {detail}. Stop that node, or wait until it is downed once its member lease expires.", inner)
{
    /// <summary>The address that is taken.</summary>
    public string Address { get; } = address;
}
