using System.Text;
using System.Text.Json;
using ActorTrading.Exchanges;
using ActorTrading.Exchanges.Paper;
using ActorTrading.TestSupport;

namespace ActorTrading.Node.Tests;

/// <summary>A node's paper market moves by itself and fires the stop-losses and take-profits its prices cross.</summary>
public sealed class PaperMarketSpecs : InProcessNodeSpecs
{
    private readonly MovedByHand _prices = new();

    protected override IPriceSource Prices => _prices;

    protected override string[] Settings => ["--ActorTrading:PaperPriceStep", "00:00:00.020"];

    [Fact]
    public async Task A_position_a_signal_opened_is_closed_by_its_stop_loss_when_the_market_falls_through_it()
    {
        await OpenPaperPositionAsync("falling", "market-key");
        var paper = Runtime.Paper.Account("market-key");
        (await paper.GetPositionsAsync()).Single().Quantity.ShouldBe(0.015m);

        // Stop-loss 2 % under the 64,000 entry: 62,720. The market goes to 62,500; the node's next step fires it.
        _prices.Set("BTCUSDT", 62_500m);
        await Eventually.HoldsAsync(async () => (await paper.GetPositionsAsync()).Count == 0, "the stop-loss to close the position", TimeSpan.FromSeconds(10));

        // The buy, then the stop-loss filled at the market (under its trigger); the take-profit cancelled with the position.
        var filled = paper.Orders.Where(o => o.Status == OrderStatus.Filled).ToList();
        filled.Select(o => o.Side).ShouldBe([OrderSide.Buy, OrderSide.Sell]);
        filled[1].AveragePrice.ShouldBeLessThan(62_720m);
        paper.Orders.Count(o => o.Status == OrderStatus.Canceled).ShouldBe(1);
        _prices.Steps.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_paper_position_and_its_stop_loss_survive_a_node_restart_and_the_stop_loss_still_fires()
    {
        await OpenPaperPositionAsync("kept", "kept-key");
        var wallet = (await Runtime.Paper.Account("kept-key").GetBalanceAsync()).WalletBalance;

        await StopNodeAsync();
        await StartNodeAsync();

        // The new node's paper exchange has the account as it was: the position, the wallet less the fee, both triggers open.
        var paper = Runtime.Paper.Account("kept-key");
        (await paper.GetPositionsAsync()).Single().Quantity.ShouldBe(0.015m);
        (await paper.GetBalanceAsync()).WalletBalance.ShouldBe(wallet);
        paper.Orders.Count(o => o.Status == OrderStatus.New).ShouldBe(2);

        // Stop-loss 2 % under the 64,000 entry: 62,720. The market goes through it; the restarted node's market fires it.
        _prices.Set("BTCUSDT", 62_500m);
        await Eventually.HoldsAsync(async () => (await paper.GetPositionsAsync()).Count == 0, "the stop-loss to close the position after the restart", TimeSpan.FromSeconds(10));
        paper.Orders.Where(o => o.Status == OrderStatus.Filled).Select(o => o.Side).ShouldBe([OrderSide.Buy, OrderSide.Sell]);
        paper.Orders.Count(o => o.Status == OrderStatus.Canceled).ShouldBe(1);
    }

    /// <summary>A bot at <paramref name="path"/> with a 2 % stop-loss and a 4 % take-profit, one paper subscription on
    /// <paramref name="apiKey"/>, and a buy it executed.</summary>
    private async Task OpenPaperPositionAsync(string path, string apiKey)
    {
        var bot = await PostAsync("/api/v1/bots", new { name = path, master_webhook_path = path, default_leverage = 10, default_margin_usd = 100, default_stop_loss_pct = 2, default_take_profit_pct = 4 });
        var account = await PostAsync("/api/v1/exchange-accounts", new { exchange = "paper", testnet = false, api_key = apiKey, secret_key = "paper-secret" });
        await PostAsync("/api/v1/bot-subscriptions", new { bot_id = bot.GetProperty("id").GetString(), exchange_account_id = account.GetProperty("id").GetString() });
        var alert = $$"""{"secret":"{{bot.GetProperty("master_secret").GetString()}}","ticker":"BTCUSDT","action":"buy"}""";
        var fired = await Http.PostAsync($"/api/v1/bots/webhook/master/{path}?wait=5000", new StringContent(alert, Encoding.UTF8, "text/plain"));
        JsonDocument.Parse(await fired.Content.ReadAsStringAsync()).RootElement.GetProperty("broadcast_stats").GetProperty("successful_executions").GetInt32().ShouldBe(1);
    }

    /// <summary>A market that moves only when the test moves it, stepped by the node like any moving source.</summary>
    private sealed class MovedByHand : IMovingPriceSource
    {
        private readonly FixedPrices _prices = new();
        private int _steps;

        public int Steps => Volatile.Read(ref _steps);

        public void Set(string symbol, decimal price) => _prices.Set(symbol, price);

        public void Step() => Interlocked.Increment(ref _steps);

        public decimal? PriceOf(string symbol) => _prices.PriceOf(symbol);
    }
}
