using System.Globalization;
using System.Text;
using ActorTrading.Persistence.Projections;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// One statement compiled through SQLite's own API and run with values bound by it: no ADO.NET parameter objects and
/// no binder per value. Values are stored as Microsoft.Data.Sqlite stores them (decimals and times as the same text),
/// so rows read back the same whichever path wrote them; a value of any other type is left to the driver.
/// </summary>
internal sealed class SqliteStatement : IProjectionStatement
{
    private const string DecimalFormat = "0.0###########################";
    private const string DateTimeOffsetFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz";
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private readonly int _parameterCount;
    private string[] _names = [];
    private int[] _indexes = [];

    private SqliteStatement(SqliteConnection connection, sqlite3_stmt statement)
    {
        _connection = connection;
        _statement = statement;
        _parameterCount = raw.sqlite3_bind_parameter_count(statement);
    }

    /// <summary>Compiles <paramref name="sql"/> on <paramref name="connection"/>; null when it holds more than one statement
    /// (SQLite compiles only the first, and the rest would be skipped without a word).</summary>
    public static SqliteStatement? Prepare(SqliteConnection connection, string sql)
    {
        Check(connection, raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement, out var tail));
        if (!string.IsNullOrWhiteSpace(tail) && tail.Trim() != ";")
        {
            statement.Dispose();
            return null;
        }

        return new SqliteStatement(connection, statement);
    }

    /// <summary>Binds <paramref name="value"/> as UTF-8 text without a managed copy of its bytes when it is short.</summary>
    public static int BindText(sqlite3_stmt statement, int index, string value)
    {
        Span<byte> small = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(value.Length) <= small.Length ? small[..Encoding.UTF8.GetBytes(value, small)] : Encoding.UTF8.GetBytes(value);
        return raw.sqlite3_bind_text(statement, index, bytes);
    }

    /// <summary>Throws the driver's exception for a result code other than OK.</summary>
    public static void Check(SqliteConnection connection, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }
    }

    /// <summary>The driver's exception for a failed step, with the extended code (a unique violation is told apart by it).</summary>
    public static SqliteException StepFailed(SqliteConnection connection, int rc) =>
        new(raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc, raw.sqlite3_extended_errcode(connection.Handle));

    /// <inheritdoc/>
    public bool TryExecute(IReadOnlyList<(string Name, object? Value)> parameters)
    {
        if (parameters.Count != _parameterCount || !Resolve(parameters))
        {
            return false;
        }

        foreach (var (_, value) in parameters)
        {
            if (!Bindable(value))
            {
                return false;
            }
        }

        try
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                Check(_connection, Bind(_indexes[i], parameters[i].Value));
            }

            int stepped;
            while ((stepped = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
            }

            if (stepped != raw.SQLITE_DONE)
            {
                throw StepFailed(_connection, stepped);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _statement.Dispose();

    // Names are looked up once: a projection passes the same names in the same order every time.
    private bool Resolve(IReadOnlyList<(string Name, object? Value)> parameters)
    {
        if (_names.Length == parameters.Count)
        {
            var same = true;
            for (var i = 0; i < _names.Length && same; i++)
            {
                same = _names[i] == parameters[i].Name;
            }

            if (same)
            {
                return true;
            }
        }

        var names = new string[parameters.Count];
        var indexes = new int[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            var name = parameters[i].Name;
            names[i] = name;
            indexes[i] = name.Length > 0 && name[0] is '@' or '$' or ':' ? raw.sqlite3_bind_parameter_index(_statement, name) : raw.sqlite3_bind_parameter_index(_statement, "@" + name);
            if (indexes[i] == 0)
            {
                return false;
            }
        }

        // Every parameter of the statement is then bound on every run: no value is left over from the run before.
        if (indexes.Distinct().Count() != indexes.Length)
        {
            return false;
        }

        (_names, _indexes) = (names, indexes);
        return true;
    }

    private static bool Bindable(object? value) => value switch
    {
        null or DBNull or string or int or long or bool or decimal or DateTimeOffset or byte[] => true,
        double d => !double.IsNaN(d),
        _ => false,
    };

    private int Bind(int index, object? value)
    {
        Span<byte> utf8 = stackalloc byte[64];
        switch (value)
        {
            case null or DBNull:
                return raw.sqlite3_bind_null(_statement, index);
            case string text:
                return BindText(_statement, index, text);
            case int number:
                return raw.sqlite3_bind_int64(_statement, index, number);
            case long number:
                return raw.sqlite3_bind_int64(_statement, index, number);
            case bool flag:
                return raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0);
            case double number:
                return raw.sqlite3_bind_double(_statement, index, number);
            case byte[] blob:
                return raw.sqlite3_bind_blob(_statement, index, blob);
            case decimal number when number.TryFormat(utf8, out var written, DecimalFormat, CultureInfo.InvariantCulture):
                return raw.sqlite3_bind_text(_statement, index, utf8[..written]);
            case DateTimeOffset time when time.TryFormat(utf8, out var written, DateTimeOffsetFormat, CultureInfo.InvariantCulture):
                return raw.sqlite3_bind_text(_statement, index, utf8[..written]);
            default:
                throw new InvalidOperationException($"cannot bind a {value.GetType().Name}");
        }
    }
}
