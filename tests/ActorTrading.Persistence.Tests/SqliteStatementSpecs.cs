using ActorTrading.Persistence.Projections;
using ActorTrading.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Tests;

/// <summary>
/// The SQLite store runs projection statements through SQLite's own API. Rows must not depend on which path wrote them:
/// every value is stored with the same type and the same text as Microsoft.Data.Sqlite stores it, and what it cannot bind
/// goes to the driver.
/// </summary>
public sealed class SqliteStatementSpecs : IAsyncLifetime
{
    private static readonly DateTimeOffset s_at = new(2026, 12, 3, 12, 34, 56, TimeSpan.Zero);

    private readonly TemporaryDatabaseFile _file = new();
    private SqliteJournal? _journal;
    private SqliteProjectionStore? _store;

    public static TheoryData<string, object?> Values() => new()
    {
        { "zero", 0m },
        { "one", 1m },
        { "scale kept", 1.50m },
        { "price", 64000m },
        { "price with scale", 64000.00m },
        { "small", 0.001m },
        { "negative", -3.25m },
        { "28 decimals", 0.1234567890123456789012345678m },
        { "largest", decimal.MaxValue },
        { "smallest", decimal.MinValue },
        { "utc", s_at },
        { "ticks", s_at.AddTicks(1_234_567) },
        { "east", new DateTimeOffset(2026, 12, 3, 14, 34, 56, TimeSpan.FromHours(2)) },
        { "west, half hour", new DateTimeOffset(2026, 12, 3, 7, 4, 56, 120, TimeSpan.FromMinutes(-330)) },
        { "int", 42 },
        { "negative int", -1 },
        { "long", long.MinValue },
        { "true", true },
        { "false", false },
        { "double", 1.5 },
        { "empty text", "" },
        { "unicode", "ünïcødé ✓ 🚀" },
        { "long text", new string('x', 1_000) },
        { "null", null },
        { "db null", DBNull.Value },
        { "blob", new byte[] { 1, 2, 3 } },
        { "guid (the driver's)", Guid.Parse("0195e4c5-8a9b-7c3d-9e0f-1a2b3c4d5e6f") },
        { "enum (the driver's)", DayOfWeek.Friday },
    };

    public async Task InitializeAsync()
    {
        _journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        _store = await SqliteProjectionStore.OpenAsync(_journal);
    }

    public async Task DisposeAsync()
    {
        await _store!.DisposeAsync();
        await _journal!.DisposeAsync();
        _file.Dispose();
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task A_value_is_stored_as_the_driver_stores_it(string label, object? value)
    {
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE stored (path TEXT PRIMARY KEY, v)");

        var ran = new List<bool>();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var own = new ProjectionTransaction(connection, transaction, ProjectionDialect.Sqlite, sql => Recording(_store!.Prepare(connection, sql), ran));
            await own.ExecuteAsync("INSERT INTO stored (path, v) VALUES (@path, @v)", [("path", "own"), ("v", value)], CancellationToken.None);
            await own.FlushAsync(CancellationToken.None);
            await using var driver = new ProjectionTransaction(connection, transaction, ProjectionDialect.Sqlite);
            await driver.ExecuteAsync("INSERT INTO stored (path, v) VALUES (@path, @v)", [("path", "driver"), ("v", value)], CancellationToken.None);
            await driver.FlushAsync(CancellationToken.None);
            await transaction.CommitAsync();
        }

        var byStatement = await ScalarAsync(connection, "SELECT typeof(v) || ' ' || quote(v) FROM stored WHERE path = 'own'");
        var byDriver = await ScalarAsync(connection, "SELECT typeof(v) || ' ' || quote(v) FROM stored WHERE path = 'driver'");
        byStatement.ShouldBe(byDriver, label);
        ran.ShouldBe([!label.EndsWith("(the driver's)", StringComparison.Ordinal)], $"{label}: bound by the store's own statement");
    }

    [Fact]
    public async Task Text_holding_two_statements_runs_both_through_the_driver()
    {
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE a (v INTEGER); CREATE TABLE b (v INTEGER)");
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var projection = new ProjectionTransaction(connection, transaction, ProjectionDialect.Sqlite, sql => _store!.Prepare(connection, sql));
            await projection.ExecuteAsync("INSERT INTO a (v) VALUES (@v); INSERT INTO b (v) VALUES (@v)", [("v", 7)], CancellationToken.None);
            await projection.FlushAsync(CancellationToken.None);
            await transaction.CommitAsync();
        }

        (await ScalarAsync(connection, "SELECT (SELECT COUNT(*) FROM a) || ' ' || (SELECT COUNT(*) FROM b)")).ShouldBe("1 1");
    }

    [Fact]
    public async Task A_violated_key_fails_the_statement_with_the_drivers_error()
    {
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE keyed (k INTEGER PRIMARY KEY)");
        await using var transaction = await connection.BeginTransactionAsync();
        await using var projection = new ProjectionTransaction(connection, transaction, ProjectionDialect.Sqlite, sql => _store!.Prepare(connection, sql));
        await projection.ExecuteAsync("INSERT INTO keyed (k) VALUES (@k)", [("k", 1)], CancellationToken.None);

        var error = await Should.ThrowAsync<SqliteException>(async () => await projection.ExecuteAsync("INSERT INTO keyed (k) VALUES (@k)", [("k", 1)], CancellationToken.None));

        error.SqliteExtendedErrorCode.ShouldBe(1555); // SQLITE_CONSTRAINT_PRIMARYKEY
        await projection.ExecuteAsync("INSERT INTO keyed (k) VALUES (@k)", [("k", 2)], CancellationToken.None);
        (await ScalarAsync(connection, "SELECT group_concat(k) FROM keyed", transaction)).ShouldBe("1,2");
    }

    [Fact]
    public async Task A_parameter_left_out_is_the_drivers_error_not_the_last_value()
    {
        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE pair (a INTEGER, b INTEGER)");
        await using var transaction = await connection.BeginTransactionAsync();
        await using var projection = new ProjectionTransaction(connection, transaction, ProjectionDialect.Sqlite, sql => _store!.Prepare(connection, sql));
        await projection.ExecuteAsync("INSERT INTO pair (a, b) VALUES (@a, @b)", [("a", 1), ("b", 2)], CancellationToken.None);

        var error = await Should.ThrowAsync<InvalidOperationException>(async () =>
            await projection.ExecuteAsync("INSERT INTO pair (a, b) VALUES (@a, @b)", [("a", 3)], CancellationToken.None));

        error.Message.ShouldContain("@b");
        (await ScalarAsync(connection, "SELECT group_concat(a || '-' || b) FROM pair", transaction)).ShouldBe("1-2");
    }

    private static RecordingStatement? Recording(IProjectionStatement? statement, List<bool> ran) =>
        statement is null ? null : new RecordingStatement(statement, ran);

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql, System.Data.Common.DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = (SqliteTransaction?)transaction;
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private sealed class RecordingStatement(IProjectionStatement inner, List<bool> ran) : IProjectionStatement
    {
        public bool TryExecute(IReadOnlyList<(string Name, object? Value)> parameters)
        {
            var done = inner.TryExecute(parameters);
            ran.Add(done);
            return done;
        }

        public void Dispose() => inner.Dispose();
    }
}
