using ActorTrading.Actors.Persistence;

namespace ActorTrading.Trading.Tests;

/// <summary>One door per exchange account (issue 16): whoever holds a handle, the account's calls run in its gateway entity,
/// one at a time, and the leverage it set is remembered there.</summary>
public sealed class AccountGatewaySpecs : TestKitBase
{
    private readonly InMemoryAccounts _accounts = new();
    private readonly LosingResponses _exchanges;
    private readonly AccountGateways _gateways;

    public AccountGatewaySpecs()
    {
        ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(new InMemoryJournal(), new InMemorySnapshotStore());
        var prices = new FixedPrices();
        prices.Set("BTCUSDT", 64_000m);
        _exchanges = new LosingResponses(new PaperExchange(prices, new PaperExchangeSettings { Slippage = 0m }));
        _gateways = new AccountGateways(_accounts, _exchanges, new AccountGatewaySettings(), TimeProvider.System);
        TradingRegions.Start(Sys, _gateways);
        _accounts.Add("shared", "key-shared");
        _accounts.Add("other", "key-other");
    }

    [Fact]
    public async Task Calls_on_one_account_from_many_callers_at_once_run_one_at_a_time_while_another_account_runs_beside_them()
    {
        var (inFlight, most, otherRan) = (0, 0, 0);
        async Task<int> Call(IExchangeAccount account, CancellationToken token)
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            // Stands for the venue's round trip: calls that were not serialized would overlap here.
            await Task.Delay(TimeSpan.FromMilliseconds(20), token);
            Interlocked.Decrement(ref inFlight);
            return now;
        }

        var shared = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => await (await _gateways.ForAsync("shared")).RunAsync(Call)));
        var other = await (await _gateways.ForAsync("other")).RunAsync((_, _) => Task.FromResult(Interlocked.Increment(ref otherRan)));

        (shared.Max(), most).ShouldBe((1, 1), "the shared account's calls overlapped");
        other.ShouldBe(1);
    }

    [Fact]
    public async Task The_leverage_one_caller_set_is_remembered_for_every_caller_of_the_account_and_a_new_leverage_is_set_again()
    {
        var first = await (await _gateways.ForAsync("shared")).PlaceMarketOrderAsync(Order("a"), leverage: 10);
        var same = await (await _gateways.ForAsync("shared")).PlaceMarketOrderAsync(Order("b"), leverage: 10);
        var changed = await (await _gateways.ForAsync("shared")).PlaceMarketOrderAsync(Order("c"), leverage: 20);
        var elsewhere = await (await _gateways.ForAsync("other")).PlaceMarketOrderAsync(Order("d"), leverage: 20);

        new[] { first.LeverageSet, same.LeverageSet, changed.LeverageSet, elsewhere.LeverageSet }.ShouldBe([true, false, true, true]);
        _exchanges.LeverageSets.ShouldBe(3);
    }

    private static MarketOrderRequest Order(string clientOrderId) => new("BTCUSDT", OrderSide.Buy, 0.002m, clientOrderId);

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }
}
