using System.Collections.Concurrent;
using ActorTrading.Actors.Persistence;
using ActorTrading.TestSupport;
using static ActorTrading.Trading.BotProtocol;
using static ActorTrading.Trading.SubscriptionProtocol;

namespace ActorTrading.Trading.Tests;

/// <summary>
/// A subscription on a paper account that keeps its state (issue 16's fan-out cost): the calls of a signal save the account
/// once, and that save is durable before the outcome is stored, so a restart never finds an outcome the account has lost.
/// </summary>
public sealed class PaperSaveSpecs : TestKitBase
{
    private const string Secret = "s3cret";
    private static readonly TradingParameters Defaults = new(Leverage: 10, MarginUsd: 100m, StopLossPct: 2m, TakeProfitPct: 4m);
    private readonly InMemoryJournal _journal = new();
    private readonly FixedPrices _prices = new();
    private readonly CountingStore _store;
    private readonly InMemoryAccounts _accounts = new();
    private PaperExchange _paper = null!;
    private TradingRegions _regions = null!;

    public PaperSaveSpecs()
    {
        ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(_journal, new InMemorySnapshotStore());
        _prices.Set("BTCUSDT", 64_000m);
        _store = new CountingStore(_journal);
    }

    [Fact]
    public async Task A_buy_with_protection_saves_the_paper_account_once_and_before_its_outcome_is_stored()
    {
        await StartAsync();
        var buy = await SignalAsync(SignalAction.Buy);
        await OutcomeAsync(buy.SignalId);

        // The market order, then the stop-loss and take-profit: one save, in the protection's turn (was one per changing call).
        _store.SavesOf("key-1").ShouldBe(1);
        _store.OutcomeStoredAtSave.ShouldBe([false]);
        _paper.Account("key-1").Orders.Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_paper_save_that_fails_stores_no_outcome_and_the_signal_told_again_is_recorded_without_a_second_order()
    {
        // Without protection the market order is the signal's last call, so the account is saved in a turn of its own.
        await StartAsync(Defaults with { StopLossPct = null, TakeProfitPct = null });
        _store.FailNext = 1;
        var buy = await SignalAsync(SignalAction.Buy);

        // The bot tells the signal again; the restarted entity finds the order by client order id, saves, then records.
        var outcome = await OutcomeAsync(buy.SignalId);
        outcome.Status.ShouldBe(ExecutionStatus.Executed);
        _store.Failed.ShouldBe(1);
        _store.OutcomeStoredAtSave.ShouldAllBe(stored => !stored);
        _paper.Account("key-1").Orders.Select(o => o.ClientOrderId).ShouldBe([ClientOrderIds.For("sub-1", buy.SignalId, ClientOrderIds.Legs.Open)]);
    }

    private async Task StartAsync(TradingParameters? defaults = null)
    {
        _paper = await PaperExchange.OpenAsync(_prices, _store, new PaperExchangeSettings { Slippage = 0m });
        // The paper exchange itself, not a wrapper: the gateway defers the saves of an account that can (IDeferredSaving).
        _regions = TradingRegions.Start(Sys, new AccountGateways(_accounts, _paper, new AccountGatewaySettings(), TimeProvider.System),
            new TradingSettings
            {
                MinBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100), SignalResendInterval = TimeSpan.FromMilliseconds(300),
            });
        (await _regions.Bots.Ask<object>(replyTo => new CreateBot("bot-1", "bot-1", "test bot", "path-bot-1", BotEntity.HashSecret(Secret), defaults ?? Defaults, TimeSpan.FromMinutes(1), replyTo)))
            .ShouldBeOfType<BotProtocol.Ok>();
        _accounts.Add("acct-1", "key-1");
        (await _regions.Subscriptions.Ask<object>(replyTo => new CreateSubscription("sub-1", "owner", "bot-1", "acct-1", ExchangeName.Paper,
            ParameterOverrides.None, RiskLimits.None, replyTo))).ShouldBeOfType<SubscriptionProtocol.Ok>();
        (await _regions.Bots.Ask<object>(replyTo => new AddSubscriber("bot-1", "sub-1", replyTo))).ShouldBeOfType<BotProtocol.Ok>();
        _store.Track("subscription-sub-1");
    }

    private async Task<SignalAcceptedReply> SignalAsync(SignalAction action) =>
        (await _regions.Bots.Ask<object>(replyTo => new AcceptSignal("bot-1", Secret, new Signal("BTCUSDT", action, 63_000m, null, null), replyTo))).ShouldBeOfType<SignalAcceptedReply>();

    private async Task<SubscriptionEvents.SignalCompleted> OutcomeAsync(string signalId)
    {
        SubscriptionEvents.SignalCompleted? completed = null;
        await Eventually.HoldsAsync(async () => (completed = await _store.OutcomeAsync(signalId)) is not null, $"the outcome of {signalId}", TimeSpan.FromSeconds(10));
        return completed ?? throw new InvalidOperationException("no outcome");
    }

    /// <summary>Paper saves kept in memory, counted per account, each noting whether the tracked subscription had already
    /// stored an outcome (read from the journal at the save).</summary>
    private sealed class CountingStore(InMemoryJournal journal) : IPaperAccountStore
    {
        private readonly ConcurrentDictionary<string, int> _saves = new(StringComparer.Ordinal);
        private string _tracked = "";
        private int _failNext;
        private int _failed;

        public int FailNext { set => Volatile.Write(ref _failNext, value); }

        public int Failed => Volatile.Read(ref _failed);

        public ConcurrentQueue<bool> OutcomeStoredAtSave { get; } = new();

        public void Track(string persistenceId) => _tracked = persistenceId;

        public int SavesOf(string apiKey) => _saves.GetValueOrDefault(apiKey);

        public async Task<SubscriptionEvents.SignalCompleted?> OutcomeAsync(string? signalId)
        {
            var events = new List<object>();
            await journal.ReplayMessagesAsync(_tracked, 1, long.MaxValue, long.MaxValue, p => events.Add(p.Payload));
            return events.OfType<SubscriptionEvents.SignalCompleted>().FirstOrDefault(c => signalId is null || c.SignalId == signalId);
        }

        public Task<IReadOnlyList<PaperAccountState>> LoadAllAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<PaperAccountState>>([]);

        public Task SaveAsync(PaperAccountState state, CancellationToken cancellationToken = default) => SaveAsync(state.ApiKey);

        public Task SaveChangesAsync(PaperAccountChanges changes, CancellationToken cancellationToken = default) => SaveAsync(changes.ApiKey);

        private async Task SaveAsync(string apiKey)
        {
            if (_tracked.Length == 0)
            {
                return;
            }

            if (Interlocked.Decrement(ref _failNext) >= 0)
            {
                Interlocked.Increment(ref _failed);
                throw new IOException("the disk is full");
            }

            OutcomeStoredAtSave.Enqueue(await OutcomeAsync(null) is not null);
            _saves.AddOrUpdate(apiKey, 1, (_, n) => n + 1);
        }
    }
}
