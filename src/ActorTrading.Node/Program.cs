using ActorTrading.Node;

if (await NodeCommandLine.AnswerAsync(args, Console.Out) is { } answered)
{
    return answered;
}

try
{
    var app = await NodeHost.BuildAsync(args);
    await app.RunAsync();
    return Environment.ExitCode; // 1 when the cluster downed this node
}
catch (Exception refused) when (StartupRefusal.Describe(refused) is { } line)
{
    // An operator's mistake or a missing dependency, not a crash: one line that names it, no stack trace.
    Console.Error.WriteLine($"actortrading: {line}");
    return 1;
}
