namespace ActorTrading.Domain.Tests;

public sealed class ParameterSpecs
{
    private static readonly TradingParameters Defaults = new(10, 100m, 2m, 4m);

    [Fact]
    public void The_effective_configuration_takes_each_override_where_set_else_the_bots_default()
    {
        EffectiveConfiguration.Resolve(Defaults, ParameterOverrides.None).ShouldBe(Defaults);
        EffectiveConfiguration.Resolve(Defaults, new ParameterOverrides(Leverage: 20, MarginUsd: 250m))
            .ShouldBe(new TradingParameters(20, 250m, 2m, 4m));
    }

    [Fact]
    public void An_override_of_zero_or_below_is_refused_not_replaced()
    {
        var errors = EffectiveConfiguration.ValidateOverrides(new ParameterOverrides(Leverage: 0, MarginUsd: -5m, StopLossPct: 0m));
        errors.Select(e => e.Field).ShouldBe(["custom_leverage", "custom_margin_usd", "custom_stop_loss_pct"]);
        EffectiveConfiguration.ValidateOverrides(new ParameterOverrides(Leverage: 126)).Single().Problem.ShouldContain("between 1 and 125");
        EffectiveConfiguration.ValidateDefaults(Defaults).ShouldBeEmpty();
    }

    [Fact]
    public void Protective_prices_sit_on_the_right_side_of_the_entry_rounded_to_the_tick()
    {
        var filters = new SymbolFilters("BTCUSDT", 0.1m, 0.001m, 0.001m, 1000m, 100m);
        Protection.For(OrderSide.Buy, 64_000.04m, Defaults, filters).ShouldBe([
            (ProtectiveKind.StopLoss, OrderSide.Sell, 62_720.0m),
            (ProtectiveKind.TakeProfit, OrderSide.Sell, 66_560.0m),
        ]);
        Protection.For(OrderSide.Sell, 64_000m, Defaults, filters).ShouldBe([
            (ProtectiveKind.StopLoss, OrderSide.Buy, 65_280.0m),
            (ProtectiveKind.TakeProfit, OrderSide.Buy, 61_440.0m),
        ]);
        Protection.For(OrderSide.Buy, 64_000m, Defaults with { StopLossPct = null, TakeProfitPct = null }, filters).ShouldBeEmpty();
    }

    [Fact]
    public void Client_order_ids_are_deterministic_and_fit_both_venues()
    {
        var id = ClientOrderIds.For("sub-1", "sig-9", ClientOrderIds.Legs.Open);
        id.ShouldBe(ClientOrderIds.For("sub-1", "sig-9", ClientOrderIds.Legs.Open));
        id.ShouldNotBe(ClientOrderIds.For("sub-1", "sig-9", ClientOrderIds.Legs.Close));
        id.ShouldNotBe(ClientOrderIds.For("sub-2", "sig-9", ClientOrderIds.Legs.Open));
        id.Length.ShouldBeLessThanOrEqualTo(36);
        id.ShouldMatch("^[a-z0-9-]{1,36}$");
        Should.Throw<ArgumentException>(() => ClientOrderIds.For("s", "g", "Bad!"));
    }

    [Theory]
    [InlineData("sub-1", "sig-9", "o", "at-558fe758a37dcbbf5a11cc348107-o")]
    [InlineData("01a23d4c750571e2b1599f3d235ee0be", "0193a1b2c3d4e5f60718293a4b5c6d7e", "tp", "at-7a2d03ecb2028c8949754004c4e1-tp")]
    [InlineData("é-sub", "sig", "sl", "at-efefd8d08b3daa72267b26cc55d8-sl")]
    public void Client_order_ids_stay_what_earlier_versions_derived(string subscriptionId, string signalId, string leg, string expected)
    {
        // An order placed before an upgrade is looked up by this id after it (invariant I2); the values are SHA-256 of
        // "subscription\u001fsignal" in UTF-8, computed outside .NET.
        ClientOrderIds.For(subscriptionId, signalId, leg).ShouldBe(expected);
    }

    [Fact]
    public void A_client_order_id_is_derived_from_ids_of_any_length()
    {
        var longId = new string('s', 1_000);
        var id = ClientOrderIds.For(longId, "sig", ClientOrderIds.Legs.Close);
        id.ShouldBe("at-5b13dfbebe50712ae5d7bd6cc679-c");
        id.ShouldNotBe(ClientOrderIds.For(longId + "x", "sig", ClientOrderIds.Legs.Close));
    }

    [Fact]
    public void A_signal_older_than_its_time_to_live_is_stale()
    {
        var accepted = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        SignalFreshness.IsStale(accepted, accepted.AddSeconds(30), TimeSpan.FromSeconds(30)).ShouldBeFalse();
        SignalFreshness.IsStale(accepted, accepted.AddSeconds(30.001), TimeSpan.FromSeconds(30)).ShouldBeTrue();
        SignalFreshness.Reason(accepted, accepted.AddSeconds(45), TimeSpan.FromSeconds(30)).ShouldBe("stale signal: 45 s old, time-to-live 30 s");
    }
}
