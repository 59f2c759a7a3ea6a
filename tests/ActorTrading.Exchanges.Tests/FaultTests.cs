using ActorTrading.ExchangeSimulator;

namespace ActorTrading.Exchanges.Tests;

/// <summary>
/// With 20% of all calls failing in one way (or all ways mixed), every order is placed exactly once or reported
/// failed with a reason, never twice: the simulator's order log is the judge.
/// </summary>
public abstract class FaultTests
{
    private const int Accounts = 3;
    private const int OrdersPerAccount = 6;

    protected abstract ExchangeName Exchange { get; }

    [Theory]
    [InlineData("latency")]
    [InlineData("429")]
    [InlineData("5xx")]
    [InlineData("timeout")]
    [InlineData("lost-response")]
    [InlineData("mixed")]
    public async Task Every_order_is_placed_exactly_once_or_failed_with_a_reason_when_20_percent_of_calls_fail(string fault)
    {
        var exchange = Exchange;
        await using var simulator = await SimulatorHost.StartAsync();
        var clients = Enumerable.Range(0, Accounts).Select(i => (Key: $"fault-{fault}-{i}", Client: TestClients.Create(exchange, simulator, $"fault-{fault}-{i}"))).ToList();
        foreach (var (_, client) in clients)
        {
            await client.GetSymbolFiltersAsync("BTCUSDT"); // clock and filters before the faults
        }

        simulator.State.Faults = fault switch
        {
            "latency" => new FaultSettings { LatencyRate = 0.2, LatencyMs = 300, Seed = 11 },
            "429" => new FaultSettings { TooManyRequestsRate = 0.2, Seed = 12 },
            "5xx" => new FaultSettings { ServerErrorRate = 0.2, Seed = 13 },
            "timeout" => new FaultSettings { TimeoutRate = 0.2, Seed = 14 },
            "lost-response" => new FaultSettings { LostResponseRate = 0.2, Seed = 15 },
            _ => new FaultSettings { LatencyRate = 0.05, LatencyMs = 200, TooManyRequestsRate = 0.05, ServerErrorRate = 0.05, TimeoutRate = 0.05, LostResponseRate = 0.05, Seed = 16 },
        };

        var outcomes = await Task.WhenAll(clients.Select(async account =>
        {
            var results = new List<(string Key, string ClientId, ExchangeOrder? Order, ExchangeException? Error)>();
            for (var i = 0; i < OrdersPerAccount; i++)
            {
                var id = $"{fault}-{account.Key[^1]}-{i}";
                var side = i % 2 == 0 ? OrderSide.Buy : OrderSide.Sell;
                try
                {
                    results.Add((account.Key, id, await account.Client.PlaceMarketOrderAsync(new MarketOrderRequest("BTCUSDT", side, 0.002m, id)), null));
                }
                catch (ExchangeException e)
                {
                    results.Add((account.Key, id, null, e));
                }
            }

            return results;
        }));

        simulator.State.Faults = new FaultSettings();
        var log = simulator.State.Orders();
        foreach (var (key, clientId, order, error) in outcomes.SelectMany(o => o))
        {
            var placed = log.Count(o => o.ApiKey == key && o.ClientOrderId == clientId);
            placed.ShouldBeLessThanOrEqualTo(1, $"{clientId} was placed {placed} times");
            if (order is not null)
            {
                placed.ShouldBe(1, $"{clientId} was reported placed");
                // Bybit's create is an acknowledgement: when the read-back after it fails, the order is reported New.
                order.Status.ShouldBeOneOf(OrderStatus.Filled, OrderStatus.New);
                continue;
            }

            error!.VenueMessage.ShouldNotBeNullOrWhiteSpace();
            if (error.Kind == ExchangeErrorKind.OutcomeUnknown)
            {
                // The caller asks the exchange by client id; the answer must match the log.
                var client = clients.Single(c => c.Key == key).Client;
                ((await client.GetOrderAsync("BTCUSDT", clientId)) is not null).ShouldBe(placed == 1);
            }
            else
            {
                placed.ShouldBe(0, $"{clientId} was reported {error.Kind} ({error.Message}) but exists");
            }
        }

        // With six attempts per call, a 20% fault rate should almost never exhaust them: the test must exercise success.
        outcomes.SelectMany(o => o).Count(o => o.Order is not null).ShouldBeGreaterThanOrEqualTo(Accounts * OrdersPerAccount - 2);
    }
}

public sealed class BinanceFaultTests : FaultTests
{
    protected override ExchangeName Exchange => ExchangeName.Binance;
}

public sealed class BybitFaultTests : FaultTests
{
    protected override ExchangeName Exchange => ExchangeName.Bybit;
}
