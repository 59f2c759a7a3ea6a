namespace ActorTrading.Node;

/// <summary>A setting the node refuses at start; the message names its configuration key (an operator's mistake, not a crash).</summary>
public sealed class InvalidSettingException(string message, Exception innerException) : ArgumentException(message, innerException);
