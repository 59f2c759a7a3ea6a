using System.Collections.Immutable;
using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Hosting;

namespace ActorTrading.Persistence.Postgres.Tests;

public sealed class DurableStoresSpecs : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "actortrading-data-" + Guid.NewGuid().ToString("N"));
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync("stores");

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void A_connection_string_selects_postgres_and_sqlite_is_used_without_one()
    {
        var postgres = new DurableStoreOptions { PostgresConnectionString = "Host=127.0.0.1", DataDirectory = "/var/lib/at" };
        postgres.UsesPostgres.ShouldBeTrue();
        postgres.DataDirectory.ShouldBe("/var/lib/at");

        var sqlite = new DurableStoreOptions { PostgresConnectionString = "" };
        sqlite.UsesPostgres.ShouldBeFalse();
        sqlite.SqlitePath.ShouldBe(Path.Combine("data", "actortrading.db"));
    }

    [Fact]
    public async Task Without_postgres_the_stores_live_in_the_sqlite_file_of_the_data_directory()
    {
        await using var stores = await DurableStores.OpenAsync(new DurableStoreOptions { DataDirectory = _dataDirectory }, TestSerializer.Create());
        stores.Description.ShouldStartWith("SQLite ");
        File.Exists(Path.Combine(_dataDirectory, "actortrading.db")).ShouldBeTrue();
    }

    [Fact]
    public async Task The_description_of_a_postgres_store_never_shows_the_password()
    {
        var withPassword = new Npgsql.NpgsqlConnectionStringBuilder(_database.ConnectionString) { Password = "s3cret-pw" }.ConnectionString;
        await using var stores = await DurableStores.OpenAsync(new DurableStoreOptions { PostgresConnectionString = withPassword }, TestSerializer.Create());
        stores.Description.ShouldStartWith("PostgreSQL ");
        stores.Description.ShouldNotContain("s3cret-pw");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_entity_recovers_in_a_new_actor_system_exactly_the_state_it_had_acknowledged(bool postgres)
    {
        var options = postgres
            ? new DurableStoreOptions { PostgresConnectionString = _database.ConnectionString }
            : new DurableStoreOptions { DataDirectory = _dataDirectory };

        await using (var stores = await DurableStores.OpenAsync(options, TestSerializer.Create()))
        {
            var system = ActorSystem.Create("first");
            global::ActorTrading.Actors.Persistence.Persistence.Get(system).Use(stores.Journal, stores.SnapshotStore);
            var counter = system.ActorOf(Props.Create(() => new CounterEntity("counter-1")));
            for (var i = 1; i <= 25; i++)
            {
                (await counter.Ask<int>(new Increment(), TimeSpan.FromSeconds(10))).ShouldBe(i);
                if (i == 10)
                {
                    counter.Tell("snapshot", null);
                }
            }

            await system.Terminate();
        }

        await using var reopened = await DurableStores.OpenAsync(options, TestSerializer.Create());
        var second = ActorSystem.Create("second");
        global::ActorTrading.Actors.Persistence.Persistence.Get(second).Use(reopened.Journal, reopened.SnapshotStore);
        var recovered = second.ActorOf(Props.Create(() => new CounterEntity("counter-1")));
        (await recovered.Ask<int>("value", TimeSpan.FromSeconds(10))).ShouldBe(25);
        (await recovered.Ask<int>(new Increment(), TimeSpan.FromSeconds(10))).ShouldBe(26);
        await second.Terminate();
    }

    private sealed record Increment;

    private sealed class CounterEntity : ReceivePersistentActor
    {
        private ImmutableList<int> _values = [];

        public CounterEntity(string id)
        {
            PersistenceId = id;
            Recover<Counter>(c => _values = _values.Add(c.Value));
            Recover<SnapshotOffer>(offer => _values = [.. Enumerable.Range(1, ((Counter)offer.Snapshot).Value)]);
            Command<Increment>(_ => Persist(new Counter(_values.Count + 1), c =>
            {
                _values = _values.Add(c.Value);
                Sender.Tell(c.Value, Self);
            }));
            Command<string>(s => s == "snapshot", _ => SaveSnapshot(new Counter(_values.Count)));
            Command<string>(s => s == "value", _ => Sender.Tell(_values.Count, Self));
            Command<SaveSnapshotSuccess>(_ => { });
        }

        public override string PersistenceId { get; }
    }
}
