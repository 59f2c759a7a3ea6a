using System.Globalization;
using System.Text;
using Npgsql;

namespace ActorTrading.TestSupport;

/// <summary>
/// A uniquely named, empty database on <see cref="PostgresServer"/>, created for one test (or one test
/// class) and dropped, with every connection to it, on <see cref="DisposeAsync"/>. Tests that each
/// use their own database share no state and may run in parallel.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>PostgreSQL's limit on identifier length, in bytes.</summary>
    private const int MaxNameLength = 63;

    /// <summary>The pool size of <see cref="ConnectionString"/>; the private server allows 300 connections in all.</summary>
    public const int MaxPoolSize = 50;

    private int _disposed;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name: <c>t_&lt;prefix&gt;_&lt;guid&gt;</c>, lower case.</summary>
    public string Name { get; }

    /// <summary>The Npgsql connection string of this database (pooling on, at most <see cref="MaxPoolSize"/> connections).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates a new database on <see cref="PostgresServer"/>.</summary>
    /// <param name="namePrefix">A readable part of the name (e.g. the test class); characters other than
    /// letters, digits and '_' are replaced by '_', and it is shortened to fit PostgreSQL's 63-byte limit.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The database; dispose it to drop it.</returns>
    public static async Task<TestDatabase> CreateAsync(string? namePrefix = null, CancellationToken cancellationToken = default)
    {
        var server = PostgresServer.ConnectionString;
        var name = NewName(namePrefix);

        await using (var admin = new NpgsqlConnection(AdminConnectionString(server)))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Quote(name)}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(server)
        {
            Database = name,
            Pooling = true,
            MaxPoolSize = MaxPoolSize,
        };
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>Opens a new (pooled) connection to this database.</summary>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>The open connection; dispose it to return it to the pool.</returns>
    public Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => OpenConnectionAsync(ConnectionString, cancellationToken);

    /// <summary>Opens a new (pooled) connection with <paramref name="connectionString"/>, disposed again if the opening fails.</summary>
    /// <param name="connectionString">The database to open.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>The open connection; dispose it to return it to the pool.</returns>
    public static async Task<NpgsqlConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Clears Npgsql's pool of <see cref="ConnectionString"/> and drops the database <c>WITH (FORCE)</c>,
    /// which ends any connection still open to it (including those of an <c>NpgsqlDataSource</c>).
    /// </summary>
    /// <returns>A task that completes when the database is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        await using var admin = new NpgsqlConnection(AdminConnectionString(PostgresServer.ConnectionString));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Quote(Name)} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>
    /// The server's connection string without pooling: CREATE/DROP DATABASE are rare, and an unpooled
    /// connection never is a stale one left from before an outage test restarted the server.
    /// </summary>
    private static string AdminConnectionString(string server) =>
        new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString;

    private static string NewName(string? prefix)
    {
        var id = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        var clean = new StringBuilder();
        foreach (var c in (prefix ?? string.Empty).ToLowerInvariant())
        {
            clean.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        // "t_" + prefix + "_" + 32 hex digits, within 63 bytes (all characters are ASCII).
        var room = MaxNameLength - "t_".Length - 1 - id.Length;
        var part = clean.ToString().Trim('_');
        if (part.Length > room)
        {
            part = part[..room];
        }

        return part.Length == 0 ? $"t_{id}" : $"t_{part}_{id}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
