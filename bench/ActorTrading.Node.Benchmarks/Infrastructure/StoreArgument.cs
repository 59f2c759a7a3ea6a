namespace ActorTrading.Node.Benchmarks;

/// <summary>This harness's own option.</summary>
public static class StoreArgument
{
    /// <summary><c>--store sqlite|postgres</c>; SQLite (a node's default) when absent.</summary>
    public static StoreKind Store(string[] args) => HarnessArguments.Value(args, "--store") switch
    {
        null or "sqlite" => StoreKind.Sqlite,
        "postgres" => StoreKind.Postgres,
        var other => throw new ArgumentException($"--store must be sqlite or postgres, not '{other}'"),
    };
}
