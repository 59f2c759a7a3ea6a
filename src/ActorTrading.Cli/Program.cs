using ActorTrading.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable);
