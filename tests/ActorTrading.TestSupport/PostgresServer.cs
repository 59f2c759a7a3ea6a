namespace ActorTrading.TestSupport;

/// <summary>
/// The PostgreSQL server of the test run: <c>./test.sh</c> starts a private one and sets
/// <see cref="VariableName"/>, or uses the server that variable already names.
/// </summary>
public static class PostgresServer
{
    /// <summary>The environment variable holding the server's Npgsql connection string.</summary>
    public const string VariableName = "ACTORTRADING_TEST_POSTGRES";

    /// <summary>
    /// The Npgsql connection string of a server where the tests may <c>CREATE DATABASE</c>.
    /// Throws when <see cref="VariableName"/> is not set: tests that need PostgreSQL fail rather than skip.
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{VariableName} is not set. Run the tests with ./test.sh (it starts a private PostgreSQL and sets it), " +
                $"or set {VariableName} to an Npgsql connection string of a server where the tests may CREATE DATABASE, " +
                "e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=postgres");
}
