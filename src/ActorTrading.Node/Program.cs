using ActorTrading.Node;
using ActorTrading.Persistence.Hosting;

try
{
    var app = await NodeHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (StoreInUseException refused)
{
    // An operator's mistake, not a crash: one line that names the store, no stack trace.
    Console.Error.WriteLine($"actortrading: {refused.Message}");
    return 1;
}
catch (InvalidSettingException invalid)
{
    // Likewise: the key and what is wrong with it.
    Console.Error.WriteLine($"actortrading: {invalid.Message}");
    return 1;
}
