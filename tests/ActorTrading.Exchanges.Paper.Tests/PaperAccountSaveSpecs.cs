namespace ActorTrading.Exchanges.Paper.Tests;

public sealed class PaperAccountSaveSpecs
{
    private readonly FixedPrices _prices = new();
    private readonly RecordingStore _store = new();
    private readonly PaperExchangeSettings _settings = new() { TakerFeeRate = 0.0005m, Slippage = 0m, StartingBalance = 10_000m, FinishedOrdersKept = 40 };

    public PaperAccountSaveSpecs() => _prices.Set("BTCUSDT", 64_000m);

    [Fact]
    public async Task A_save_after_the_first_carries_only_the_orders_it_changed_not_every_order_kept()
    {
        var exchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        var account = exchange.Account("key-1");
        for (var i = 0; i < 20; i++)
        {
            await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell, 0.01m, $"o-{i}"));
        }

        _store.Saves[0].ShouldBeOfType<PaperAccountState>();
        var last = _store.Saves[^1].ShouldBeOfType<PaperAccountChanges>();
        last.Version.ShouldBe(20);
        last.Orders.Select(o => o.ClientOrderId).ShouldBe(["o-19"]);
        last.Realized.Count.ShouldBe(1);

        // A cancel carries the one order it changed.
        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Buy, ProtectiveKind.StopLoss, 70_000m, "sl"));
        await account.CancelOrderAsync("BTCUSDT", "sl");
        var cancel = _store.Saves[^1].ShouldBeOfType<PaperAccountChanges>();
        cancel.Orders.ShouldHaveSingleItem().Status.ShouldBe(OrderStatus.Canceled);
        cancel.OpenProtectiveOrders.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_account_read_back_from_its_whole_saves_and_changes_is_the_account_as_it_was()
    {
        var exchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        var account = exchange.Account("key-1");

        // Past three whole saves after the first (versions 100, 200, 300) and past the orders kept: opens, stops that fire, cancels, leverage.
        for (var round = 0; round < 70; round++)
        {
            _prices.Set("BTCUSDT", 64_000m);
            await account.SetLeverageAsync("BTCUSDT", 5 + (round % 3));
            await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, $"buy-{round}"));
            await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 63_000m, $"sl-{round}"));
            if (round % 2 == 0)
            {
                _prices.Set("BTCUSDT", 62_900m);
                await exchange.CheckTriggersAsync();
            }
            else
            {
                await account.CancelOrderAsync("BTCUSDT", $"sl-{round}");
                await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Sell, 0.01m, $"close-{round}", ReduceOnly: true));
            }
        }

        // One more position left open under its stop-loss.
        _prices.Set("BTCUSDT", 64_000m);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.02m, "open"));
        await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 63_000m, "open-sl"));
        _store.Saves.OfType<PaperAccountState>().Select(s => s.Version).ShouldBe([1, 100, 200, 300]);

        var reopened = (await PaperExchange.OpenAsync(_prices, _store, _settings)).Account("key-1");
        // Both keep the newest finished orders kept (each drops older ones when they are half as many again).
        reopened.Orders.TakeLast(_settings.FinishedOrdersKept).ShouldBe(account.Orders.TakeLast(_settings.FinishedOrdersKept));
        (await reopened.GetPositionsAsync()).ShouldBe(await account.GetPositionsAsync());
        (await reopened.GetBalanceAsync()).ShouldBe(await account.GetBalanceAsync());
        (await reopened.GetRealizedPnlAsync(DateTimeOffset.MinValue)).ShouldBe(await account.GetRealizedPnlAsync(DateTimeOffset.MinValue));
        reopened.LeverageOf("BTCUSDT").ShouldBe(account.LeverageOf("BTCUSDT"));

        // And its stop-loss still fires.
        _prices.Set("BTCUSDT", 62_900m);
        var reopenedExchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        await reopenedExchange.CheckTriggersAsync();
        (await reopenedExchange.Account("key-1").GetPositionsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task After_a_failed_save_the_next_save_is_whole_so_the_changes_it_carried_are_not_lost()
    {
        var exchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        var account = exchange.Account("key-1");
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "o-1"));

        _store.FailNext = true;
        var failed = await Should.ThrowAsync<ExchangeException>(() =>
            account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "o-2")));
        failed.Kind.ShouldBe(ExchangeErrorKind.OutcomeUnknown);

        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "o-3"));
        var next = _store.Saves[^1].ShouldBeOfType<PaperAccountState>();
        next.Version.ShouldBe(3);

        var reopened = (await PaperExchange.OpenAsync(_prices, _store, _settings)).Account("key-1");
        reopened.Orders.Select(o => o.ClientOrderId).ShouldBe(["o-1", "o-2", "o-3"]);
        (await reopened.GetPositionsAsync()).ShouldHaveSingleItem().Quantity.ShouldBe(0.03m);
    }

    [Fact]
    public async Task Calls_that_defer_their_saving_answer_at_once_and_one_save_afterwards_carries_them_all()
    {
        var exchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        var account = exchange.Account("key-1");
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "open"));
        var saves = _store.Saves.Count;

        // As a gateway's turn does: the stop-loss and the take-profit, then one save before it answers anyone.
        using (DeferredSaves.Begin())
        {
            await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.StopLoss, 63_000m, "sl"));
            await account.PlaceProtectiveOrderAsync(new ProtectiveOrderRequest("BTCUSDT", OrderSide.Sell, ProtectiveKind.TakeProfit, 66_000m, "tp"));
        }

        _store.Saves.Count.ShouldBe(saves);
        await account.SaveDeferredAsync();
        _store.Saves.Count.ShouldBe(saves + 1);
        _store.Saves[^1].ShouldBeOfType<PaperAccountChanges>().Orders.Select(o => o.ClientOrderId).ShouldBe(["sl", "tp"]);

        // Nothing left: no empty save. And outside a deferring scope every call saves before it answers, as before.
        await account.SaveDeferredAsync();
        _store.Saves.Count.ShouldBe(saves + 1);
        await account.CancelOrderAsync("BTCUSDT", "tp");
        _store.Saves.Count.ShouldBe(saves + 2);
    }

    [Fact]
    public async Task A_deferred_save_that_fails_is_an_unknown_outcome_and_the_next_save_is_whole()
    {
        var exchange = await PaperExchange.OpenAsync(_prices, _store, _settings);
        var account = exchange.Account("key-1");
        using (DeferredSaves.Begin())
        {
            await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "o-1"));
        }

        _store.FailNext = true;
        (await Should.ThrowAsync<ExchangeException>(account.SaveDeferredAsync)).Kind.ShouldBe(ExchangeErrorKind.OutcomeUnknown);
        await account.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", OrderSide.Buy, 0.01m, "o-2"));
        (await PaperExchange.OpenAsync(_prices, _store, _settings)).Account("key-1").Orders.Select(o => o.ClientOrderId).ShouldBe(["o-1", "o-2"]);
    }

    /// <summary>Keeps every save of one account and reads it back as a journal would: the last whole save, then the changes after it.</summary>
    private sealed class RecordingStore : IPaperAccountStore
    {
        public List<object> Saves { get; } = [];

        public bool FailNext { get; set; }

        public Task<IReadOnlyList<PaperAccountState>> LoadAllAsync(CancellationToken cancellationToken = default)
        {
            var whole = Saves.FindLastIndex(save => save is PaperAccountState);
            if (whole < 0)
            {
                return Task.FromResult<IReadOnlyList<PaperAccountState>>([]);
            }

            var state = PaperAccountChanges.Fold((PaperAccountState)Saves[whole], [.. Saves.Skip(whole + 1).Cast<PaperAccountChanges>()]);
            return Task.FromResult<IReadOnlyList<PaperAccountState>>([state]);
        }

        public Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default) => Save(state);

        public Task SaveChangesAsync(PaperAccountChanges changes, CancellationToken cancellationToken = default) => Save(changes);

        private Task Save(object save)
        {
            if (FailNext)
            {
                FailNext = false;
                return Task.FromException(new IOException("the disk is full"));
            }

            Saves.Add(save);
            return Task.CompletedTask;
        }
    }
}
