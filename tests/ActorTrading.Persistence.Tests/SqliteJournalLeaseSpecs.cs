using ActorTrading.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Tests;

/// <summary>The writer lease on SQLite rows and SQLite's errors as typed journal exceptions (issue 16).</summary>
public sealed class SqliteJournalLeaseSpecs : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    private static AtomicWrite Write(string id, WriterLease lease) =>
        new([new Persistent(new Counter(1), id, 1, "w", DateTimeOffset.UnixEpoch, new HashSet<string>())]) { Lease = lease };

    [Fact]
    public async Task A_write_stores_its_writer_lease_in_the_row_and_a_write_under_no_lease_leaves_the_columns_empty()
    {
        await using var journal = await SqliteJournal.OpenAsync(_file.Settings, TestSerializer.Create());
        (await journal.WriteMessagesAsync([Write("leased", new WriterLease("bot", 42, 1_700_000_000_000, 3)), Write("free", WriterLease.None)]))
            .ShouldAllBe(r => r == null);

        await using var connection = new SqliteConnection(_file.Settings.ConnectionStringForTests());
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT persistence_id, shard_type, shard_id, writer_incarnation, writer_epoch FROM event_journal ORDER BY persistence_id";
        await using var reader = await read.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("free");
        Enumerable.Range(1, 4).ShouldAllBe(column => reader.IsDBNull(column));
        (await reader.ReadAsync()).ShouldBeTrue();
        (reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4)).ShouldBe(("bot", 42, 1_700_000_000_000L, 3L));
    }

    [Fact]
    public async Task A_write_while_another_writer_holds_the_file_fails_as_unavailable_naming_SQLITE_BUSY()
    {
        var settings = _file.Settings with { BusyTimeout = TimeSpan.FromSeconds(1) };
        await using var journal = await SqliteJournal.OpenAsync(settings, TestSerializer.Create());
        await using var other = new SqliteConnection(settings.ConnectionStringForTests());
        await other.OpenAsync();
        await using (var lockFile = other.CreateCommand())
        {
            lockFile.CommandText = "BEGIN IMMEDIATE";
            await lockFile.ExecuteNonQueryAsync();
        }

        var failure = await Should.ThrowAsync<JournalUnavailableException>(() => journal.WriteMessagesAsync([Write("x", WriterLease.None)]));
        failure.Message.ShouldContain("SQLITE_BUSY");
        failure.InnerException.ShouldBeOfType<SqliteException>().SqliteErrorCode.ShouldBe(5);
    }

    [Fact]
    public void A_unique_violation_is_a_write_conflict_and_an_unknown_error_stays_as_it_is()
    {
        SqliteErrors.Classify(new SqliteException("UNIQUE constraint failed", 19, 2067)).ShouldBeOfType<JournalWriteConflictException>();
        SqliteErrors.Classify(new SqliteException("database or disk is full", 13)).ShouldBeOfType<JournalUnavailableException>();
        var syntax = new SqliteException("near \"SELEC\": syntax error", 1);
        SqliteErrors.Classify(syntax).ShouldBeSameAs(syntax);
    }

    public void Dispose() => _file.Dispose();
}
