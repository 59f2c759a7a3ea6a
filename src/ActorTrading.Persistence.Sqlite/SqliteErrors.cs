using ActorTrading.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>SQLite's errors as the journal's typed exceptions, told apart by result code (never by message text).</summary>
public static class SqliteErrors
{
    // https://www.sqlite.org/rescode.html
    private const int Busy = 5;
    private const int Locked = 6;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Constraint = 19;
    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;

    /// <summary>Whether <paramref name="exception"/> is the unique (persistence_id, sequence_nr) key refusing a row.</summary>
    public static bool IsUniqueViolation(SqliteException exception) => exception.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey;

    /// <summary>The typed exception for <paramref name="exception"/>: a unique violation is another writer
    /// (<see cref="JournalWriteConflictException"/>); a locked, busy, full or unreadable file is
    /// <see cref="JournalUnavailableException"/>; anything else is returned as it is.</summary>
    public static Exception Classify(Exception exception) => exception switch
    {
        JournalException => exception,
        SqliteException { SqliteErrorCode: Constraint } unique when IsUniqueViolation(unique) =>
            new JournalWriteConflictException($"the journal's unique key refused the write (another writer on this file): {unique.Message}", unique),
        SqliteException { SqliteErrorCode: Busy or Locked } busy =>
            new JournalUnavailableException($"the SQLite file is locked by another writer (SQLITE_BUSY/LOCKED): {busy.Message}", busy, Code(busy)),
        SqliteException { SqliteErrorCode: IoError or Full or CantOpen } io =>
            new JournalUnavailableException($"the SQLite file cannot be written: {io.Message}", io, Code(io)),
        _ => exception,
    };

    private static string Code(SqliteException exception) => exception.SqliteExtendedErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
