using ActorTrading.Node;

var app = await NodeHost.BuildAsync(args);
await app.RunAsync();
