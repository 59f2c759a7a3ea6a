using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorTrading.ExchangeSimulator;

/// <summary>
/// The Bybit V5 linear subset the client uses, with Bybit's envelope and retCodes: <c>X-BAPI-*</c> signature
/// over <c>timestamp + apiKey + recvWindow + (query | body)</c>, the timestamp rule, per-UID per-endpoint limits
/// per second with the <c>X-Bapi-Limit*</c> headers (10006 past them), filters, fills, positions.
/// </summary>
internal static partial class BybitApi
{
    private delegate IResult Handler(SimAccount account, IReadOnlyDictionary<string, string> query, JsonElement body);

    public static void Map(WebApplication app, SimulatorState state, SimRateLimits limits)
    {
        app.MapGet("/v5/market/time", () =>
        {
            var now = state.NowMs;
            return Ok(state, new { timeSecond = (now / 1000).ToString(CultureInfo.InvariantCulture), timeNano = (now * 1_000_000).ToString(CultureInfo.InvariantCulture) });
        });
        app.MapGet("/v5/market/instruments-info", (string? category, string? symbol) =>
            category != "linear"
                ? Error(state, 10001, "params error: category invalid")
                : Ok(state, new
                {
                    category,
                    list = state.Symbols.Values.Where(s => symbol is null || s.Symbol == symbol).Select(s => new
                    {
                        symbol = s.Symbol,
                        contractType = "LinearPerpetual",
                        status = "Trading",
                        baseCoin = s.Symbol[..^4],
                        quoteCoin = "USDT",
                        settleCoin = "USDT",
                        priceScale = "2",
                        leverageFilter = new { minLeverage = "1", maxLeverage = SimSigning.D(s.MaxLeverage) + ".00", leverageStep = "0.01" },
                        priceFilter = new { minPrice = SimSigning.D(s.TickSize), maxPrice = "1999999.80", tickSize = SimSigning.D(s.TickSize) },
                        lotSizeFilter = new
                        {
                            maxOrderQty = "1190.000",
                            minOrderQty = SimSigning.D(s.MinQuantity),
                            qtyStep = SimSigning.D(s.StepSize),
                            postOnlyMaxOrderQty = "1190.000",
                            maxMktOrderQty = SimSigning.D(s.MaxMarketQuantity),
                            minNotionalValue = SimSigning.D(s.BybitMinNotional),
                        },
                        fundingInterval = 480,
                    }),
                    nextPageCursor = string.Empty,
                }));
        app.MapGet("/v5/market/tickers", (string? category, string? symbol) =>
            symbol is null || !state.Symbols.ContainsKey(symbol)
                ? Error(state, 10001, "params error: symbol invalid")
                : Ok(state, new
                {
                    category,
                    list = new[]
                    {
                        new
                        {
                            symbol,
                            lastPrice = SimSigning.D(state.Price(symbol)),
                            indexPrice = SimSigning.D(state.Price(symbol)),
                            markPrice = SimSigning.D(state.Price(symbol)),
                            fundingRate = "0.0001",
                        },
                    },
                }));

        Signed(app, state, limits, "POST", "/v5/order/create", state.Limits.BybitOrdersPerSecond, (account, _, body) =>
        {
            var symbol = Str(body, "symbol");
            var side = Str(body, "side");
            var linkId = Str(body, "orderLinkId") ?? "sim-" + Guid.NewGuid().ToString("N")[..20];
            if (Str(body, "category") != "linear" || symbol is null || side is not ("Buy" or "Sell") || Str(body, "orderType") != "Market")
            {
                return Error(state, 10001, "params error: category, symbol, side or orderType invalid");
            }

            if (!LinkId().IsMatch(linkId))
            {
                return Error(state, 10001, "params error: orderLinkId invalid");
            }

            if (!decimal.TryParse(Str(body, "qty"), NumberStyles.Float, CultureInfo.InvariantCulture, out var qty) || qty < 0)
            {
                return Error(state, 10001, "params error: qty invalid");
            }

            var reduceOnly = Bool(body, "reduceOnly");
            (SimRejection Rejection, SimOrder? Order) result;
            if (Str(body, "triggerPrice") is { } triggerText)
            {
                if (qty != 0 || !reduceOnly || !Bool(body, "closeOnTrigger"))
                {
                    return Error(state, 10001, "params error: the simulator only takes close-all conditional orders (qty \"0\", reduceOnly, closeOnTrigger)");
                }

                var direction = body.TryGetProperty("triggerDirection", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : 0;
                var sell = side == "Sell";
                var stop = sell ? direction == 2 : direction == 1;
                var trigger = decimal.Parse(triggerText, NumberStyles.Float, CultureInfo.InvariantCulture);
                result = state.PlaceConditional(account, symbol, sell ? "SELL" : "BUY", stop ? "STOP_MARKET" : "TAKE_PROFIT_MARKET", trigger, linkId);
            }
            else
            {
                if (qty == 0)
                {
                    return Error(state, 10001, "params error: qty invalid");
                }

                result = state.PlaceMarket(account, symbol, side == "Sell" ? "SELL" : "BUY", qty, reduceOnly, linkId);
            }

            return result.Rejection == SimRejection.None
                ? Ok(state, new { orderId = OrderId(result.Order!), orderLinkId = linkId })
                : Reject(state, result.Rejection, symbol);
        });
        Signed(app, state, limits, "GET", "/v5/order/realtime", state.Limits.BybitQueriesPerSecond, (account, query, _) =>
        {
            var found = query.TryGetValue("orderLinkId", out var linkId) ? state.Find(account, linkId) : null;
            return Ok(state, new { category = "linear", list = found is null ? [] : new[] { Order(found) }, nextPageCursor = string.Empty });
        });
        Signed(app, state, limits, "POST", "/v5/order/cancel", state.Limits.BybitOrdersPerSecond, (account, _, body) =>
        {
            var linkId = Str(body, "orderLinkId") ?? string.Empty;
            var (rejection, order) = state.Cancel(account, linkId);
            return rejection == SimRejection.None
                ? Ok(state, new { orderId = OrderId(order!), orderLinkId = linkId })
                : Error(state, 110001, "Order does not exist");
        });
        Signed(app, state, limits, "POST", "/v5/position/set-leverage", state.Limits.BybitOrdersPerSecond, (account, _, body) =>
        {
            var symbol = Str(body, "symbol") ?? string.Empty;
            var buy = Str(body, "buyLeverage");
            if (buy is null || buy != Str(body, "sellLeverage") || !int.TryParse(buy, NumberStyles.Integer, CultureInfo.InvariantCulture, out var leverage))
            {
                return Error(state, 10001, "params error: buyLeverage must equal sellLeverage in one-way mode");
            }

            var rejection = state.SetLeverage(account, symbol, leverage);
            return rejection == SimRejection.None ? Ok(state, new { }) : Reject(state, rejection, symbol);
        });
        Signed(app, state, limits, "GET", "/v5/position/list", state.Limits.BybitQueriesPerSecond, (account, query, _) =>
        {
            if (!query.ContainsKey("symbol") && !query.ContainsKey("settleCoin"))
            {
                return Error(state, 10001, "params error: symbol or settleCoin is required");
            }

            var rows = state.Positions(account).Where(p => !query.TryGetValue("symbol", out var s) || s == p.Symbol).Select(p => new
            {
                positionIdx = 0,
                symbol = p.Symbol,
                side = p.Quantity > 0 ? "Buy" : "Sell",
                size = SimSigning.D(Math.Abs(p.Quantity)),
                avgPrice = SimSigning.D(p.Entry),
                positionValue = SimSigning.D(Math.Abs(p.Quantity) * p.Entry),
                leverage = p.Leverage.ToString(CultureInfo.InvariantCulture),
                markPrice = SimSigning.D(state.Price(p.Symbol)),
                liqPrice = string.Empty,
                unrealisedPnl = SimSigning.D(p.Unrealized),
                cumRealisedPnl = "0",
                positionStatus = "Normal",
                tpslMode = "Full",
                createdTime = state.NowMs.ToString(CultureInfo.InvariantCulture),
                updatedTime = state.NowMs.ToString(CultureInfo.InvariantCulture),
            });
            return Ok(state, new { category = "linear", list = rows, nextPageCursor = string.Empty });
        });
        Signed(app, state, limits, "GET", "/v5/position/closed-pnl", state.Limits.BybitQueriesPerSecond, (account, query, _) =>
        {
            var since = long.TryParse(query.GetValueOrDefault("startTime"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
            var rows = state.RealizedSince(account, since).Select(r => new
            {
                symbol = r.Symbol,
                orderId = Guid.NewGuid().ToString(),
                closedPnl = SimSigning.D(r.Pnl),
                createdTime = r.Time.ToString(CultureInfo.InvariantCulture),
            });
            return Ok(state, new { category = "linear", list = rows, nextPageCursor = string.Empty });
        });
        Signed(app, state, limits, "GET", "/v5/account/wallet-balance", state.Limits.BybitQueriesPerSecond, (account, query, _) =>
        {
            if (query.GetValueOrDefault("accountType") != "UNIFIED")
            {
                return Error(state, 10001, "accountType only support UNIFIED.");
            }

            var (wallet, available) = state.BalanceOf(account);
            return Ok(state, new
            {
                list = new[]
                {
                    new
                    {
                        accountType = "UNIFIED",
                        totalEquity = SimSigning.D(wallet),
                        totalWalletBalance = SimSigning.D(wallet),
                        totalMarginBalance = SimSigning.D(wallet),
                        totalAvailableBalance = SimSigning.D(available),
                        coin = new[] { new { coin = "USDT", equity = SimSigning.D(wallet), walletBalance = SimSigning.D(wallet), locked = "0", totalPositionIM = "0", totalOrderIM = "0" } },
                    },
                },
            });
        });
    }

    private static string OrderId(SimOrder order) => order.OrderId.ToString(CultureInfo.InvariantCulture);

    private static object Order(SimOrder o) => new
    {
        orderId = OrderId(o),
        orderLinkId = o.ClientOrderId,
        symbol = o.Symbol,
        price = "0",
        qty = SimSigning.D(o.Quantity),
        side = o.Side == "SELL" ? "Sell" : "Buy",
        positionIdx = 0,
        orderStatus = (o.Status, o.TriggerPrice > 0) switch
        {
            ("NEW", true) => "Untriggered",
            ("NEW", false) => "New",
            ("FILLED", true) => "Triggered",
            ("FILLED", false) => "Filled",
            ("CANCELED", true) => "Deactivated",
            _ => "Cancelled",
        },
        avgPrice = SimSigning.D(o.AveragePrice),
        leavesQty = "0",
        cumExecQty = SimSigning.D(o.ExecutedQuantity),
        cumExecValue = SimSigning.D(o.ExecutedQuantity * o.AveragePrice),
        timeInForce = "IOC",
        orderType = "Market",
        stopOrderType = o.TriggerPrice > 0 ? (o.Type == "STOP_MARKET" ? "StopLoss" : "TakeProfit") : string.Empty,
        triggerPrice = SimSigning.D(o.TriggerPrice),
        triggerBy = o.TriggerPrice > 0 ? "MarkPrice" : string.Empty,
        reduceOnly = o.ReduceOnly,
        closeOnTrigger = o.ClosePosition,
        rejectReason = "EC_NoError",
        createdTime = o.Time.ToString(CultureInfo.InvariantCulture),
        updatedTime = o.Time.ToString(CultureInfo.InvariantCulture),
    };

    private static IResult Reject(SimulatorState state, SimRejection rejection, string symbol) => rejection switch
    {
        SimRejection.DuplicateClientOrderId => Error(state, 110072, "OrderLinkedID is duplicate"),
        SimRejection.ReduceOnlyRejected => Error(state, 110017, "current position is zero, cannot fix reduce-only order qty"),
        SimRejection.QuantityTooSmall => Error(state, 10001, "The number of contracts exceeds minimum limit allowed"),
        SimRejection.QuantityTooLarge => Error(state, 10001, "The number of contracts exceeds maximum limit allowed"),
        SimRejection.QuantityStep => Error(state, 10001, "Qty invalid"),
        SimRejection.NotionalTooSmall => Error(state, 110094, $"Order does not meet minimum order value {SimSigning.D(state.Symbols[symbol].BybitMinNotional)}USDT"),
        SimRejection.UnknownSymbol => Error(state, 10001, "params error: symbol invalid"),
        SimRejection.InvalidLeverage => Error(state, 10001, "leverage invalid"),
        SimRejection.LeverageNotModified => Error(state, 110043, "Set leverage not modified"),
        SimRejection.InsufficientMargin => Error(state, 110007, "ab not enough for new order"),
        _ => Error(state, 110001, "Order does not exist"),
    };

    private static IResult Ok(SimulatorState state, object result) =>
        Results.Json(new { retCode = 0, retMsg = "OK", result, retExtInfo = new { }, time = state.NowMs });

    private static IResult Error(SimulatorState state, int retCode, string retMsg) =>
        Results.Json(new { retCode, retMsg, result = new { }, retExtInfo = new { }, time = state.NowMs });

    private static string? Str(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static void Signed(WebApplication app, SimulatorState state, SimRateLimits limits, string method, string path, int perSecond, Handler handler) =>
        app.MapMethods(path, [method], async (HttpContext context) =>
        {
            var headers = context.Request.Headers;
            var apiKey = headers["X-BAPI-API-KEY"].ToString();
            var account = state.Account(Venue.Bybit, apiKey);
            if (account is null)
            {
                return Error(state, 10003, "API key is invalid.");
            }

            var (used, reset) = limits.Add("bybit|" + apiKey + "|" + path, TimeSpan.FromSeconds(1), 1);
            headers = context.Response.Headers;
            context.Response.Headers["X-Bapi-Limit"] = perSecond.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-Bapi-Limit-Status"] = Math.Max(0, perSecond - used).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-Bapi-Limit-Reset-Timestamp"] = (used >= perSecond ? reset : state.NowMs).ToString(CultureInfo.InvariantCulture);
            if (used > perSecond)
            {
                return Error(state, 10006, "Too many visits!");
            }

            var request = context.Request.Headers;
            var timestamp = request["X-BAPI-TIMESTAMP"].ToString();
            var recvWindow = request["X-BAPI-RECV-WINDOW"].ToString();
            if (!SimSigning.TimestampOk(state.NowMs, timestamp, recvWindow.Length == 0 ? "5000" : recvWindow))
            {
                return Error(state, 10002, $"invalid request, please check your server timestamp or recv_window param. req_timestamp[{timestamp}],server_timestamp[{state.NowMs}],recv_window[{recvWindow}]");
            }

            var query = (context.Request.QueryString.Value ?? string.Empty).TrimStart('?');
            var payload = query;
            if (method == "POST")
            {
                using var reader = new StreamReader(context.Request.Body);
                payload = await reader.ReadToEndAsync(context.RequestAborted);
            }

            if (!SimSigning.Verify(account.ApiSecret, timestamp + apiKey + recvWindow + payload, request["X-BAPI-SIGN"].ToString()))
            {
                return Error(state, 10004, $"error sign! origin_string[{timestamp + apiKey + recvWindow + payload}]");
            }

            JsonElement body = default;
            if (method == "POST")
            {
                try
                {
                    body = JsonDocument.Parse(payload).RootElement.Clone();
                }
                catch (JsonException)
                {
                    return Error(state, 10001, "params error: body is not JSON");
                }
            }

            var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty, StringComparer.Ordinal);
            return handler(account, parameters, body);
        });

    [GeneratedRegex("^[A-Za-z0-9_-]{1,36}$")]
    private static partial Regex LinkId();
}
