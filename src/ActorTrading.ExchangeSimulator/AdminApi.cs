namespace ActorTrading.ExchangeSimulator;

/// <summary><c>/_sim</c>: register API keys, script prices and the clock, switch faults, read the order log.</summary>
internal static class AdminApi
{
    public sealed record AccountRequest(string ApiKey, string ApiSecret, decimal? Balance);

    public sealed record PriceRequest(string Symbol, decimal Price);

    public sealed record ClockRequest(long OffsetMs);

    public static void Map(WebApplication app, SimulatorState state)
    {
        var admin = app.MapGroup("/_sim");
        admin.MapPost("/accounts", (AccountRequest request) =>
        {
            state.RegisterAccount(request.ApiKey, request.ApiSecret, request.Balance ?? 10_000m);
            return Results.Ok(new { registered = request.ApiKey });
        });
        admin.MapPost("/prices", (PriceRequest request) =>
        {
            if (!state.Symbols.ContainsKey(request.Symbol) || request.Price <= 0)
            {
                return Results.Problem($"unknown symbol '{request.Symbol}' or non-positive price", statusCode: 400);
            }

            state.SetPrice(request.Symbol, request.Price);
            return Results.Ok(new { request.Symbol, request.Price });
        });
        admin.MapPost("/faults", (FaultSettings faults) =>
        {
            state.Faults = faults;
            return Results.Ok(faults);
        });
        admin.MapGet("/faults", () => Results.Ok(state.Faults));
        admin.MapPost("/clock", (ClockRequest request) =>
        {
            state.ClockOffsetMs = request.OffsetMs;
            return Results.Ok(new { offsetMs = request.OffsetMs });
        });
        admin.MapGet("/orders", (string? apiKey) =>
            Results.Ok(state.Orders().Where(o => apiKey is null || o.ApiKey == apiKey).Select(o => new
            {
                venue = o.Venue.ToString(),
                o.ApiKey,
                o.OrderId,
                o.ClientOrderId,
                o.Symbol,
                o.Side,
                o.Type,
                o.Quantity,
                o.ExecutedQuantity,
                o.AveragePrice,
                o.Status,
                o.ReduceOnly,
                o.ClosePosition,
                o.TriggerPrice,
                o.Time,
            })));
    }
}
