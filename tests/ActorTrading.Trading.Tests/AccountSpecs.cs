using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors.Persistence;
using static ActorTrading.Trading.AccountProtocol;

namespace ActorTrading.Trading.Tests;

public sealed class AccountSpecs : TestKitBase
{
    private static readonly SecretProtector Protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly InMemoryJournal _journal = new();

    public AccountSpecs() => ActorTrading.Actors.Persistence.Persistence.Get(Sys).Use(_journal, new InMemorySnapshotStore());

    [Fact]
    public void Secrets_round_trip_and_a_ciphertext_moved_to_another_account_or_tampered_with_does_not_decrypt()
    {
        var stored = Protector.Protect("binance-secret", "acct-1");
        stored.ShouldStartWith("v1:");
        stored.ShouldNotContain("binance-secret");
        Protector.Unprotect(stored, "acct-1").ShouldBe("binance-secret");
        Protector.Protect("binance-secret", "acct-1").ShouldNotBe(stored);

        Should.Throw<CryptographicException>(() => Protector.Unprotect(stored, "acct-2"));
        var tampered = "v1:" + Convert.ToBase64String(Convert.FromBase64String(stored[3..]).Select((b, i) => i == 30 ? (byte)(b ^ 1) : b).ToArray());
        Should.Throw<CryptographicException>(() => Protector.Unprotect(tampered, "acct-1"));
        Should.Throw<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(stored, "acct-1"));
        Should.Throw<ArgumentException>(() => SecretProtector.FromBase64("not base64!")).Message.ShouldContain("base64");
        Should.Throw<ArgumentException>(() => new SecretProtector(new byte[16])).Message.ShouldContain("32 bytes");
    }

    [Fact]
    public async Task An_account_stores_its_secret_only_encrypted_and_the_directory_gives_it_back_to_the_gateway()
    {
        var accounts = TradingRegions.StartAccounts(Sys, Protector);
        (await accounts.Ask<object>(replyTo => new RegisterAccount("acct-9", "u1", ExchangeName.Paper, Testnet: true, "key-9", "very-secret-value", replyTo))).ShouldBeOfType<AccountProtocol.Ok>();
        (await accounts.Ask<object>(replyTo => new RegisterAccount("acct-9", "u1", ExchangeName.Paper, true, "k", "s", replyTo))).ShouldBeOfType<BotProtocol.Rejected>().Kind.ShouldBe(RejectionKind.Conflict);

        var current = (CurrentAccount)await accounts.Ask<object>(replyTo => new GetAccount("acct-9", replyTo));
        current.ShouldBe(new CurrentAccount("acct-9", "u1", ExchangeName.Paper, true, "key-9", false));

        var directory = new EntityAccountDirectory(accounts, Protector, TimeSpan.FromSeconds(5));
        var (exchange, credentials) = await directory.GetAsync("acct-9", CancellationToken.None);
        exchange.ShouldBe(ExchangeName.Paper);
        credentials.ShouldBe(new ExchangeCredentials("key-9", "very-secret-value", true));
        credentials.ToString().ShouldNotContain("very-secret-value");
        new RegisterAccount("a", "o", ExchangeName.Binance, false, "k", "very-secret-value", ActorRefs.Nobody).ToString().ShouldNotContain("very-secret-value");

        // What the journal holds, serialized as a store would write it, never has the secret in clear.
        var serializer = TradingSerializer.Create();
        var stored = new List<Persistent>();
        await _journal.ReplayMessagesAsync("account-acct-9", 1, long.MaxValue, long.MaxValue, stored.Add);
        stored.ShouldNotBeEmpty();
        foreach (var e in stored)
        {
            Encoding.UTF8.GetString(serializer.Serialize(e.Payload).Payload).ShouldNotContain("very-secret-value");
        }

        (await accounts.Ask<object>(replyTo => new DeleteAccount("acct-9", replyTo))).ShouldBeOfType<AccountProtocol.Ok>();
        (await Should.ThrowAsync<InvalidOperationException>(() => directory.GetAsync("acct-9", CancellationToken.None))).Message.ShouldContain("deleted");
    }
}
