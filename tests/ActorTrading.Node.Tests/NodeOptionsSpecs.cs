using Microsoft.Extensions.Configuration;

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

    [Fact]
    public void A_paper_market_that_is_not_known_or_steps_too_often_is_refused_naming_the_key()
    {
        Should.Throw<ArgumentException>(() => new NodeOptions { PaperPrices = "moon" }.Validate())
            .Message.ShouldBe("ActorTrading:PaperPrices must be random-walk or fixed, not 'moon'");
        Should.Throw<ArgumentException>(() => new NodeOptions { PaperPriceStep = TimeSpan.FromMilliseconds(5) }.Validate())
            .Message.ShouldContain("ActorTrading:PaperPriceStep");
        Should.NotThrow(() => new NodeOptions { PaperPrices = "fixed", PaperPriceStep = TimeSpan.FromMilliseconds(10) }.Validate());
    }

    [Fact]
    public void A_failed_attempt_limit_or_window_out_of_range_is_refused_naming_the_key()
    {
        Should.Throw<ArgumentException>(() => new NodeOptions { FailedAttemptLimit = 0 }.Validate())
            .Message.ShouldBe("ActorTrading:FailedAttemptLimit must be between 1 and 10000, not 0");
        Should.Throw<ArgumentException>(() => new NodeOptions { FailedAttemptWindow = TimeSpan.FromMilliseconds(500) }.Validate())
            .Message.ShouldContain("ActorTrading:FailedAttemptWindow");
        Should.NotThrow(() => new NodeOptions { FailedAttemptLimit = 1, FailedAttemptWindow = TimeSpan.FromSeconds(1) }.Validate());
    }

    [Fact]
    public void The_environment_outranks_the_config_file_and_the_command_line_outranks_both()
    {
        // A key whose value no other spec looks at, so that the process-wide variable cannot touch the specs beside this one.
        var file = Path.Combine(Path.GetTempPath(), "actortrading-settings-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, "actortrading.exchanges { bybit-ip-requests-per-5-seconds = 100, max-attempts = 5, receive-window-ms = 3s }");
        Environment.SetEnvironmentVariable("ActorTrading__Exchanges__MaxAttempts", "6");
        Environment.SetEnvironmentVariable("ActorTrading__Exchanges__ReceiveWindowMs", "4000");
        try
        {
            var configuration = new ConfigurationManager();
            NodeHost.AddSettings(configuration, ["--config", file, "--ActorTrading:Exchanges:ReceiveWindowMs", "4500"]);

            configuration["ActorTrading:Exchanges:BybitIpRequestsPer5Seconds"].ShouldBe("100");
            configuration["ActorTrading:Exchanges:MaxAttempts"].ShouldBe("6");
            configuration["ActorTrading:Exchanges:ReceiveWindowMs"].ShouldBe("4500");
        }
        finally
        {
            Environment.SetEnvironmentVariable("ActorTrading__Exchanges__MaxAttempts", null);
            Environment.SetEnvironmentVariable("ActorTrading__Exchanges__ReceiveWindowMs", null);
            File.Delete(file);
        }
    }
}
