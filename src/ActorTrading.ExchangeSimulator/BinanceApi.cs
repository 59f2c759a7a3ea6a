using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorTrading.ExchangeSimulator;

/// <summary>
/// The Binance USD-M subset the client uses, with Binance's shapes and codes: signature over
/// <c>totalParams</c> (query string then body, <c>signature</c> excluded), timestamp and recvWindow, REQUEST_WEIGHT
/// per minute and ORDERS per 10 s / minute with their <c>X-MBX-*</c> headers, filters, fills, positions.
/// </summary>
internal static partial class BinanceApi
{
    private static readonly string[] OrderTypes = ["LIMIT", "MARKET"];
    private static readonly string[] TimesInForce = ["GTC", "IOC", "FOK", "GTX"];

    private delegate IResult Handler(SimAccount account, IReadOnlyDictionary<string, string> parameters);

    public static void Map(WebApplication app, SimulatorState state, SimRateLimits limits)
    {
        Public(app, state, limits, "/fapi/v1/time", 1, _ => Results.Json(new { serverTime = state.NowMs }));
        Public(app, state, limits, "/fapi/v1/exchangeInfo", 1, _ => Results.Json(ExchangeInfo(state)));
        Public(app, state, limits, "/fapi/v1/premiumIndex", 1, parameters =>
        {
            var symbol = parameters.GetValueOrDefault("symbol") ?? string.Empty;
            return !state.Symbols.ContainsKey(symbol)
                ? Error(400, -1121, "Invalid symbol.")
                : Results.Json(new
                {
                    symbol,
                    markPrice = SimSigning.D(state.Price(symbol)),
                    indexPrice = SimSigning.D(state.Price(symbol)),
                    estimatedSettlePrice = SimSigning.D(state.Price(symbol)),
                    lastFundingRate = "0.00010000",
                    interestRate = "0.00010000",
                    nextFundingTime = state.NowMs + 3_600_000,
                    time = state.NowMs,
                });
        });

        Signed(app, state, limits, "POST", "/fapi/v1/order", 0, isOrder: true, (account, p) =>
        {
            if (p.GetValueOrDefault("type") != "MARKET")
            {
                return Error(400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
            }

            if (Missing(p, "symbol", "side", "quantity") is { } missing)
            {
                return missing;
            }

            var clientId = p.GetValueOrDefault("newClientOrderId") ?? "sim-" + Guid.NewGuid().ToString("N")[..20];
            if (!ClientId().IsMatch(clientId))
            {
                return Error(400, -4015, "Client order id is not valid.");
            }

            if (!decimal.TryParse(p["quantity"], NumberStyles.Float, CultureInfo.InvariantCulture, out var quantity) || quantity <= 0)
            {
                return Error(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
            }

            var (rejection, order) = state.PlaceMarket(account, p["symbol"], p["side"], quantity, p.GetValueOrDefault("reduceOnly") == "true", clientId);
            return rejection == SimRejection.None ? Results.Json(Order(order!)) : Reject(rejection, state, p["symbol"]);
        });
        Signed(app, state, limits, "GET", "/fapi/v1/order", 1, isOrder: false, (account, p) =>
            state.Find(account, p.GetValueOrDefault("origClientOrderId") ?? string.Empty) is { TriggerPrice: 0 } order
                ? Results.Json(Order(order))
                : Error(400, -2013, "Order does not exist."));
        Signed(app, state, limits, "DELETE", "/fapi/v1/order", 1, isOrder: false, (account, p) =>
        {
            var id = p.GetValueOrDefault("origClientOrderId") ?? string.Empty;
            if (state.Find(account, id) is not { TriggerPrice: 0 })
            {
                return Error(400, -2011, "Unknown order sent.");
            }

            var (rejection, order) = state.Cancel(account, id);
            return rejection == SimRejection.None ? Results.Json(Order(order!)) : Error(400, -2011, "Unknown order sent.");
        });

        Signed(app, state, limits, "POST", "/fapi/v1/algoOrder", 0, isOrder: true, (account, p) =>
        {
            if (Missing(p, "algoType", "symbol", "side", "type", "triggerPrice") is { } missing)
            {
                return missing;
            }

            if (p["type"] is not ("STOP_MARKET" or "TAKE_PROFIT_MARKET") || p.GetValueOrDefault("closePosition") != "true")
            {
                return Error(400, -1116, "Invalid orderType.");
            }

            var clientId = p.GetValueOrDefault("clientAlgoId") ?? "sim-" + Guid.NewGuid().ToString("N")[..20];
            if (!ClientId().IsMatch(clientId))
            {
                return Error(400, -4015, "Client order id is not valid.");
            }

            var trigger = decimal.Parse(p["triggerPrice"], NumberStyles.Float, CultureInfo.InvariantCulture);
            var (rejection, order) = state.PlaceConditional(account, p["symbol"], p["side"], p["type"], trigger, clientId);
            return rejection == SimRejection.None ? Results.Json(Algo(order!)) : Reject(rejection, state, p["symbol"]);
        });
        Signed(app, state, limits, "GET", "/fapi/v1/algoOrder", 1, isOrder: false, (account, p) =>
            state.Find(account, p.GetValueOrDefault("clientAlgoId") ?? string.Empty) is { TriggerPrice: > 0 } order
                ? Results.Json(Algo(order))
                : Error(400, -2013, "Order does not exist."));
        Signed(app, state, limits, "DELETE", "/fapi/v1/algoOrder", 1, isOrder: false, (account, p) =>
        {
            var id = p.GetValueOrDefault("clientAlgoId") ?? string.Empty;
            var (rejection, order) = state.Find(account, id) is { TriggerPrice: > 0 } ? state.Cancel(account, id) : (SimRejection.OrderNotFound, null);
            return rejection == SimRejection.None ? Results.Json(Algo(order!)) : Error(400, -2011, "Unknown order sent.");
        });

        Signed(app, state, limits, "POST", "/fapi/v1/leverage", 1, isOrder: false, (account, p) =>
        {
            var symbol = p.GetValueOrDefault("symbol") ?? string.Empty;
            if (!int.TryParse(p.GetValueOrDefault("leverage"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var leverage))
            {
                return Error(400, -1102, "Mandatory parameter 'leverage' was not sent, was empty/null, or malformed.");
            }

            var rejection = state.SetLeverage(account, symbol, leverage);
            return rejection == SimRejection.None
                ? Results.Json(new { leverage, maxNotionalValue = "1000000", symbol })
                : Reject(rejection, state, symbol, leverage);
        });
        Signed(app, state, limits, "GET", "/fapi/v2/positionRisk", 5, isOrder: false, (account, _) =>
            Results.Json(state.Positions(account).Select(p => new
            {
                symbol = p.Symbol,
                positionAmt = SimSigning.D(p.Quantity),
                entryPrice = SimSigning.D(p.Entry),
                breakEvenPrice = SimSigning.D(p.Entry),
                markPrice = SimSigning.D(state.Price(p.Symbol)),
                unRealizedProfit = SimSigning.D(p.Unrealized),
                liquidationPrice = "0",
                leverage = p.Leverage.ToString(CultureInfo.InvariantCulture),
                maxNotionalValue = "1000000",
                marginType = "cross",
                isolatedMargin = "0",
                isAutoAddMargin = "false",
                positionSide = "BOTH",
                notional = SimSigning.D(p.Quantity * state.Price(p.Symbol)),
                isolatedWallet = "0",
                updateTime = state.NowMs,
            })));
        Signed(app, state, limits, "GET", "/fapi/v3/balance", 5, isOrder: false, (account, _) =>
        {
            var (wallet, available) = state.BalanceOf(account);
            return Results.Json(new[]
            {
                new
                {
                    accountAlias = "SimA",
                    asset = "USDT",
                    balance = SimSigning.D(wallet),
                    crossWalletBalance = SimSigning.D(wallet),
                    crossUnPnl = "0",
                    availableBalance = SimSigning.D(available),
                    maxWithdrawAmount = SimSigning.D(available),
                    marginAvailable = true,
                    updateTime = state.NowMs,
                },
            });
        });
        Signed(app, state, limits, "GET", "/fapi/v1/income", 30, isOrder: false, (account, p) =>
        {
            var since = long.TryParse(p.GetValueOrDefault("startTime"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
            return Results.Json(state.RealizedSince(account, since).Select((r, i) => new
            {
                symbol = r.Symbol,
                incomeType = "REALIZED_PNL",
                income = SimSigning.D(r.Pnl),
                asset = "USDT",
                info = string.Empty,
                time = r.Time,
                tranId = i + 1,
                tradeId = string.Empty,
            }));
        });
    }

    private static object ExchangeInfo(SimulatorState state) => new
    {
        timezone = "UTC",
        serverTime = state.NowMs,
        rateLimits = new object[]
        {
            new { rateLimitType = "REQUEST_WEIGHT", interval = "MINUTE", intervalNum = 1, limit = state.Limits.BinanceWeightPerMinute },
            new { rateLimitType = "ORDERS", interval = "MINUTE", intervalNum = 1, limit = state.Limits.BinanceOrdersPerMinute },
            new { rateLimitType = "ORDERS", interval = "SECOND", intervalNum = 10, limit = state.Limits.BinanceOrdersPer10Seconds },
        },
        exchangeFilters = Array.Empty<object>(),
        assets = Array.Empty<object>(),
        symbols = state.Symbols.Values.Select(s => new
        {
            symbol = s.Symbol,
            pair = s.Symbol,
            contractType = "PERPETUAL",
            status = "TRADING",
            baseAsset = s.Symbol[..^4],
            quoteAsset = "USDT",
            marginAsset = "USDT",
            filters = new object[]
            {
                new { filterType = "PRICE_FILTER", minPrice = SimSigning.D(s.TickSize), maxPrice = "4529764", tickSize = SimSigning.D(s.TickSize) },
                new { filterType = "LOT_SIZE", minQty = SimSigning.D(s.MinQuantity), maxQty = "1000", stepSize = SimSigning.D(s.StepSize) },
                new { filterType = "MARKET_LOT_SIZE", minQty = SimSigning.D(s.MinQuantity), maxQty = SimSigning.D(s.MaxMarketQuantity), stepSize = SimSigning.D(s.StepSize) },
                new { filterType = "MIN_NOTIONAL", notional = SimSigning.D(s.BinanceMinNotional) },
            },
            orderTypes = OrderTypes,
            timeInForce = TimesInForce,
        }),
    };

    private static object Order(SimOrder o) => new
    {
        orderId = o.OrderId,
        symbol = o.Symbol,
        status = o.Status,
        clientOrderId = o.ClientOrderId,
        price = "0",
        avgPrice = SimSigning.D(o.AveragePrice),
        origQty = SimSigning.D(o.Quantity),
        executedQty = SimSigning.D(o.ExecutedQuantity),
        cumQty = SimSigning.D(o.ExecutedQuantity),
        cumQuote = SimSigning.D(o.ExecutedQuantity * o.AveragePrice),
        timeInForce = "GTC",
        type = o.Type,
        reduceOnly = o.ReduceOnly,
        closePosition = o.ClosePosition,
        side = o.Side,
        positionSide = "BOTH",
        stopPrice = "0",
        workingType = "CONTRACT_PRICE",
        priceProtect = false,
        origType = o.Type,
        priceMatch = "NONE",
        selfTradePreventionMode = "EXPIRE_MAKER",
        goodTillDate = 0,
        time = o.Time,
        updateTime = o.Time,
    };

    private static object Algo(SimOrder o) => new
    {
        algoId = o.OrderId,
        clientAlgoId = o.ClientOrderId,
        algoType = "CONDITIONAL",
        orderType = o.Type,
        symbol = o.Symbol,
        side = o.Side,
        positionSide = "BOTH",
        timeInForce = "GTC",
        quantity = "0",
        algoStatus = o.Status switch { "FILLED" => "FINISHED", var s => s },
        triggerPrice = SimSigning.D(o.TriggerPrice),
        price = "0",
        workingType = "MARK_PRICE",
        closePosition = true,
        reduceOnly = false,
        actualQty = SimSigning.D(o.ExecutedQuantity),
        actualPrice = SimSigning.D(o.AveragePrice),
        createTime = o.Time,
        updateTime = o.Time,
        triggerTime = 0,
        goodTillDate = 0,
    };

    private static IResult Reject(SimRejection rejection, SimulatorState state, string symbol, int leverage = 0) => rejection switch
    {
        SimRejection.DuplicateClientOrderId => Error(400, -4116, "ClientOrderId is duplicated."),
        SimRejection.ReduceOnlyRejected => Error(400, -2022, "ReduceOnly Order is rejected."),
        SimRejection.QuantityTooSmall => Error(400, -4004, "Quantity less than or equal to zero or below the minimum."),
        SimRejection.QuantityTooLarge => Error(400, -4005, "Quantity greater than max quantity."),
        SimRejection.QuantityStep => Error(400, -1111, "Precision is over the maximum defined for this asset."),
        SimRejection.NotionalTooSmall => Error(400, -4164, $"Order's notional must be no smaller than {SimSigning.D(state.Symbols[symbol].BinanceMinNotional)} (unless you choose reduce only)."),
        SimRejection.UnknownSymbol => Error(400, -1121, "Invalid symbol."),
        SimRejection.InvalidLeverage => Error(400, -4028, $"Leverage {leverage} is not valid"),
        SimRejection.InsufficientMargin => Error(400, -2019, "Margin is insufficient."),
        _ => Error(400, -2013, "Order does not exist."),
    };

    private static IResult? Missing(IReadOnlyDictionary<string, string> p, params string[] names) =>
        names.FirstOrDefault(n => string.IsNullOrEmpty(p.GetValueOrDefault(n))) is { } name
            ? Error(400, -1102, $"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
            : null;

    private static IResult Error(int status, int code, string msg) => Results.Json(new { code, msg }, statusCode: status);

    private static void Public(WebApplication app, SimulatorState state, SimRateLimits limits, string path, int weight, Func<IReadOnlyDictionary<string, string>, IResult> handler) =>
        app.MapGet(path, (HttpContext context) =>
        {
            if (Weigh(context, state, limits, weight) is { } limited)
            {
                return limited;
            }

            return handler(Parse(context.Request.QueryString.Value ?? string.Empty, new Dictionary<string, string>(StringComparer.Ordinal)));
        });

    private static void Signed(WebApplication app, SimulatorState state, SimRateLimits limits, string method, string path, int weight, bool isOrder, Handler handler) =>
        app.MapMethods(path, [method], async (HttpContext context) =>
        {
            if (Weigh(context, state, limits, weight) is { } limited)
            {
                return limited;
            }

            var query = (context.Request.QueryString.Value ?? string.Empty).TrimStart('?');
            var body = string.Empty;
            if (context.Request.HasFormContentType || context.Request.ContentLength > 0)
            {
                using var reader = new StreamReader(context.Request.Body);
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }

            var signature = TakeSignature(ref query) ?? TakeSignature(ref body);
            var total = query + body;
            var parameters = Parse(query, Parse(body, new Dictionary<string, string>(StringComparer.Ordinal)));
            var account = state.Account(Venue.Binance, context.Request.Headers["X-MBX-APIKEY"].ToString());
            if (account is null)
            {
                return Error(401, -2015, "Invalid API-key, IP, or permissions for action.");
            }

            if (!SimSigning.TimestampOk(state.NowMs, parameters.GetValueOrDefault("timestamp"), parameters.GetValueOrDefault("recvWindow")))
            {
                return Error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
            }

            if (!SimSigning.Verify(account.ApiSecret, total, signature))
            {
                return Error(400, -1022, "Signature for this request is not valid.");
            }

            if (isOrder)
            {
                var (in10s, _) = limits.Add("binance-orders-10s|" + account.ApiKey, TimeSpan.FromSeconds(10), 1);
                var (in1m, reset) = limits.Add("binance-orders-1m|" + account.ApiKey, TimeSpan.FromMinutes(1), 1);
                context.Response.Headers["X-MBX-ORDER-COUNT-10S"] = in10s.ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["X-MBX-ORDER-COUNT-1M"] = in1m.ToString(CultureInfo.InvariantCulture);
                if (in10s > state.Limits.BinanceOrdersPer10Seconds || in1m > state.Limits.BinanceOrdersPerMinute)
                {
                    return Error(429, -1015, $"Too many new orders; current limit is {state.Limits.BinanceOrdersPer10Seconds} orders per TEN_SECONDS.");
                }
            }

            return handler(account, parameters);
        });

    private static IResult? Weigh(HttpContext context, SimulatorState state, SimRateLimits limits, int weight)
    {
        var (used, reset) = limits.Add("binance-weight", TimeSpan.FromMinutes(1), weight);
        context.Response.Headers["X-MBX-USED-WEIGHT-1M"] = used.ToString(CultureInfo.InvariantCulture);
        if (used <= state.Limits.BinanceWeightPerMinute)
        {
            return null;
        }

        context.Response.Headers.RetryAfter = Math.Max(1, (reset - state.NowMs + 999) / 1000).ToString(CultureInfo.InvariantCulture);
        return Error(429, -1003, $"Too many requests; current limit is {state.Limits.BinanceWeightPerMinute} requests per minute. Please use the websocket for live updates to avoid polling the API.");
    }

    /// <summary>Removes <c>signature=…</c> from a parameter string and returns its value.</summary>
    private static string? TakeSignature(ref string parameters)
    {
        var parts = parameters.Split('&', StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = parts.FindIndex(p => p.StartsWith("signature=", StringComparison.Ordinal));
        if (index < 0)
        {
            return null;
        }

        var value = parts[index]["signature=".Length..];
        parts.RemoveAt(index);
        parameters = string.Join('&', parts);
        return value;
    }

    private static Dictionary<string, string> Parse(string text, Dictionary<string, string> into)
    {
        foreach (var pair in text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            into[Uri.UnescapeDataString(name)] = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
        }

        return into;
    }

    [GeneratedRegex(@"^[\.A-Z\:/a-z0-9_-]{1,36}$")]
    private static partial Regex ClientId();
}
