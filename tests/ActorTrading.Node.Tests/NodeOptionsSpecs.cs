namespace ActorTrading.Node.Tests;

/// <summary>Settings the node refuses at start, each with a line that names it.</summary>
public sealed class NodeOptionsSpecs
{
    [Fact]
    public void A_receipt_timeout_under_a_minute_is_refused_naming_the_key()
    {
        Should.Throw<ArgumentException>(() => new NodeOptions { SignalReceiptTimeout = TimeSpan.FromSeconds(59) }.Validate())
            .Message.ShouldContain("ActorTrading:SignalReceiptTimeout");
        Should.NotThrow(() => new NodeOptions { SignalReceiptTimeout = TimeSpan.FromMinutes(1) }.Validate());
    }
}
