using ActorTrading.ExchangeSimulator;

await using var simulator = await SimulatorHost.StartAsync(args, limits: null, quiet: false);
Console.WriteLine($"ActorTrading exchange simulator listening on {simulator.BaseUrl} (Binance /fapi, Bybit /v5, admin /_sim)");
await simulator.WaitForShutdownAsync();

/// <summary>The simulator's entry point (<c>dotnet run --project src/ActorTrading.ExchangeSimulator -- --urls http://127.0.0.1:5099</c>).</summary>
public partial class Program;
