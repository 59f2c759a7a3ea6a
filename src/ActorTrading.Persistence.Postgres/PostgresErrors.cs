using System.Net.Sockets;
using ActorTrading.Actors.Persistence;
using Npgsql;

namespace ActorTrading.Persistence.Postgres;

/// <summary>
/// PostgreSQL's errors as the journal's typed exceptions, in one place, told apart by SQLSTATE and by Npgsql's own
/// classification (<see cref="PostgresException.SqlState"/>, <see cref="NpgsqlException.IsTransient"/>), never by
/// message text. See https://www.postgresql.org/docs/current/errcodes-appendix.html.
/// </summary>
public static class PostgresErrors
{
    /// <summary>unique_violation: the journal's (persistence_id, sequence_nr) key, the single-writer guard.</summary>
    public const string UniqueViolation = "23505";

    /// <summary>serialization_failure.</summary>
    public const string SerializationFailure = "40001";

    /// <summary>deadlock_detected.</summary>
    public const string DeadlockDetected = "40P01";

    /// <summary>admin_shutdown: the server is stopping (or an operator ended the session).</summary>
    public const string AdminShutdown = "57P01";

    /// <summary>The journal's fence (the <c>event_journal_fence</c> trigger): a write under a stale shard lease.</summary>
    public const string Fenced = "AT001";

    /// <summary>
    /// The typed exception for <paramref name="exception"/>: <see cref="JournalFencedException"/> for the fence
    /// (<c>AT001</c>, under <paramref name="lease"/> when one write's lease is known), <see cref="JournalWriteConflictException"/>
    /// for a unique violation, <see cref="JournalUnavailableException"/> for a lost or refused connection (class 08, 57P01-03,
    /// a socket or stream error, a timeout), a serialization failure or deadlock (class 40), exhausted resources (class 53)
    /// or any other error Npgsql calls transient. Anything else (a bug: a syntax error, a missing table) is returned as it is.
    /// </summary>
    public static Exception Classify(Exception exception, WriterLease? lease = null)
    {
        switch (exception)
        {
            case JournalException:
                return exception;
            case PostgresException { SqlState: Fenced } fenced:
                return new JournalFencedException(lease ?? WriterLease.None, fenced.MessageText, fenced);
            case PostgresException { SqlState: UniqueViolation } unique:
                return new JournalWriteConflictException($"another writer holds the key ({unique.ConstraintName}): {unique.MessageText}", unique);
            case PostgresException { SqlState: SerializationFailure or DeadlockDetected } retry:
                return new JournalUnavailableException($"PostgreSQL gave up on the transaction ({retry.SqlState}): {retry.MessageText}", retry, retry.SqlState);
            case PostgresException server when IsOutage(server.SqlState) || server.IsTransient:
                return new JournalUnavailableException($"PostgreSQL is unavailable ({server.SqlState}): {server.MessageText}", server, server.SqlState);
            case PostgresException:
                return exception;
            case NpgsqlException connection when connection.IsTransient || connection.InnerException is IOException or SocketException or TimeoutException:
                return new JournalUnavailableException($"PostgreSQL cannot be reached: {connection.Message}", connection);
            case IOException or SocketException or TimeoutException:
                return new JournalUnavailableException($"PostgreSQL cannot be reached: {exception.Message}", exception);
            default:
                return exception;
        }
    }

    // Class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), class 53 (insufficient resources).
    private static bool IsOutage(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is AdminShutdown or "57P02" or "57P03";
}
