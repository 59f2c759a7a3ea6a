namespace ActorTrading.Remote.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ActorTrading.Remote.Benchmarks -- remote-tell [options]</c>; <c>-- modes</c>
/// lists the modes. The receiver modes are the child process the harness starts of itself.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => HarnessProgram.RunAsync(args, HarnessModes.All,
        "usage: dotnet run -c Release --project bench/ActorTrading.Remote.Benchmarks -- MODE [options]");
}

/// <summary>The modes. To add one, add a line here and describe it in README.md.</summary>
public static class HarnessModes
{
    public static IReadOnlyList<HarnessMode> All { get; } =
    [
        new("remote-tell", "msgs/s of remote tells to an actor in a child node process, vs a bare socket blast of the same frames to a child that only reads them [--messages N] [--warmup-rounds N] [--rounds N] [--payload-bytes N]", RemoteTellHarness.RunAsync),
        new("receiver-remote", "(child) a node with remoting and a counting actor; prints its address, ends when stdin closes", RemoteTellHarness.RunRemoteReceiverAsync),
        new("receiver-raw", "(child) a bare socket that reads frames and acks every --messages N; prints its port, ends when stdin closes", RemoteTellHarness.RunRawReceiverAsync),
    ];
}
