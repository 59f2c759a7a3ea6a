namespace ActorTrading.Persistence.Benchmarks;

/// <summary>This harness's own option.</summary>
public static class StoreArgument
{
    /// <summary><c>--store sqlite|postgres</c>, required.</summary>
    public static StoreKind Store(string[] args) => HarnessArguments.Value(args, "--store") switch
    {
        "sqlite" => StoreKind.Sqlite,
        "postgres" => StoreKind.Postgres,
        null => throw new ArgumentException("--store sqlite|postgres is required"),
        var other => throw new ArgumentException($"--store must be sqlite or postgres, not '{other}'"),
    };
}
