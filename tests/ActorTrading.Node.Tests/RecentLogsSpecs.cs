// The specs log a handful of lines through ILogger as any library would: what an argument costs does not matter here.
#pragma warning disable CA1873

using ActorTrading.Node.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ActorTrading.Node.Tests;

/// <summary>RecentLogs: the last N lines at or above a level, oldest first; tails see only what comes after; secrets masked.</summary>
public sealed class RecentLogsSpecs
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_ring_keeps_the_last_lines_up_to_its_capacity_oldest_first()
    {
        using var logs = new RecentLogs(3, _clock);
        var logger = logs.CreateLogger("Spec");
        for (var i = 1; i <= 5; i++)
        {
            logger.LogInformation("line {Number}", i);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        logs.Recent(10, LogLevel.Trace).Select(line => line.Message).ShouldBe(["line 3", "line 4", "line 5"]);
        logs.Recent(2, LogLevel.Trace).Select(line => line.Sequence).ShouldBe([3L, 4L]);
        logs.Recent(1, LogLevel.Trace).Single().Timestamp.ShouldBe(new DateTimeOffset(2026, 12, 7, 20, 0, 4, TimeSpan.Zero));
    }

    [Fact]
    public void A_level_keeps_only_the_lines_at_or_above_it_and_an_exception_is_kept_with_its_line()
    {
        using var logs = new RecentLogs(10, _clock);
        var logger = logs.CreateLogger("Spec");
        logger.LogDebug("debug");
        logger.LogWarning("warning");
        logger.LogInformation("information");
        logger.LogError(new InvalidOperationException("boom"), "error");

        logs.Recent(10, LogLevel.Warning).Select(line => line.Message).ShouldBe(["warning", "error"]);
        logs.Recent(10, LogLevel.Error).Single().Exception.ShouldStartWith("System.InvalidOperationException: boom");
        logs.Recent(10, LogLevel.Error).Single().Category.ShouldBe("Spec");
    }

    [Fact]
    public async Task A_tail_reads_the_lines_logged_after_it_subscribed_until_disposed()
    {
        using var logs = new RecentLogs(10, _clock);
        var logger = logs.CreateLogger("Spec");
        logger.LogInformation("before");

        var tail = logs.Subscribe();
        logger.LogInformation("after");
        (await tail.Lines.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Message.ShouldBe("after");

        tail.Dispose();
        logger.LogInformation("gone");
        tail.Lines.TryRead(out _).ShouldBeFalse("a disposed tail is told nothing more");
    }

    [Theory]
    [InlineData("generated admin token: at_admin_0123456789abcdef0123456789abcdef01234567", "generated admin token: [redacted]")]
    [InlineData("issued at_user_9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa9988 to u1", "issued at_user_[redacted] to u1")]
    [InlineData("Host=db;Username=actortrading;Password=hunter2;Database=x", "Host=db;Username=actortrading;Password=[redacted];Database=x")]
    [InlineData("""body {"secret":"f43c44443ac7","ticker":"BTCUSDT"}""", """body {"secret":"[redacted]","ticker":"BTCUSDT"}""")]
    [InlineData("""{"master_secret":"abc","api_secret_key": "def"}""", """{"master_secret":"[redacted]","api_secret_key": "[redacted]"}""")]
    [InlineData("Authorization: Bearer process-admin-token-0123456789", "Authorization: Bearer [redacted]")]
    [InlineData("Bot b1: signal s1 accepted (Buy BTCUSDT) for 2 subscriptions", "Bot b1: signal s1 accepted (Buy BTCUSDT) for 2 subscriptions")]
    public void Secrets_are_masked_before_a_line_is_kept(string logged, string kept)
    {
        using var logs = new RecentLogs(10, _clock);
        var logger = logs.CreateLogger("Spec");

        logger.LogError(new InvalidOperationException(logged), "{Text}", logged);

        var line = logs.Recent(1, LogLevel.Trace).Single();
        line.Message.ShouldBe(kept);
        line.Exception.ShouldNotBeNull().ShouldStartWith("System.InvalidOperationException: " + kept);
    }
}
