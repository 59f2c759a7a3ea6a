using System.Net.Sockets;
using ActorTrading.Persistence.Postgres;
using Npgsql;

namespace ActorTrading.Persistence.Postgres.Tests;

/// <summary>PostgreSQL's errors become the journal's typed exceptions by SQLSTATE, in one place (issue 16).</summary>
public sealed class PostgresErrorsSpecs
{
    private static PostgresException Server(string sqlState) => new("message from the server", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("40001")] // serialization_failure
    [InlineData("40P01")] // deadlock_detected
    [InlineData("57P01")] // admin_shutdown
    [InlineData("57P03")] // cannot_connect_now
    [InlineData("08006")] // connection_failure
    [InlineData("53300")] // too_many_connections
    public void A_transaction_given_up_or_a_server_going_away_is_unavailable_with_its_SQLSTATE(string sqlState) =>
        PostgresErrors.Classify(Server(sqlState)).ShouldBeOfType<JournalUnavailableException>().Code.ShouldBe(sqlState);

    [Fact]
    public void A_unique_violation_is_a_write_conflict() =>
        PostgresErrors.Classify(Server("23505")).ShouldBeOfType<JournalWriteConflictException>().InnerException.ShouldBeOfType<PostgresException>();

    [Fact]
    public void The_fences_own_code_is_fenced_under_the_writes_lease()
    {
        var lease = new WriterLease("bot", 1, 2, 3);
        PostgresErrors.Classify(Server("AT001"), lease).ShouldBeOfType<JournalFencedException>().Lease.ShouldBe(lease);
    }

    [Fact]
    public void A_lost_or_refused_connection_is_unavailable()
    {
        PostgresErrors.Classify(new NpgsqlException("Exception while reading from stream", new IOException("connection reset"))).ShouldBeOfType<JournalUnavailableException>();
        PostgresErrors.Classify(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))).ShouldBeOfType<JournalUnavailableException>();
    }

    [Fact]
    public void A_bug_in_a_statement_stays_as_it_is()
    {
        var missingTable = Server("42P01");
        PostgresErrors.Classify(missingTable).ShouldBeSameAs(missingTable);
    }
}
