namespace ActorTrading.Cli;

/// <summary>A failure the operator can act on: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
