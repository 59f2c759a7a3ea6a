namespace ActorTrading.Persistence.Projections;

/// <summary>
/// A statement a store compiled once for a batch and runs with new values each time, binding them itself instead of
/// through ADO.NET parameters (which, on SQLite, allocate a binder per value per execution: thousands per signal).
/// </summary>
public interface IProjectionStatement : IDisposable
{
    /// <summary>
    /// Runs the statement with <paramref name="parameters"/> (names with or without their <c>@</c>). False, and nothing run,
    /// when it cannot bind them exactly as the driver would (a type it does not know, a name the statement lacks): the
    /// caller then runs the statement through ADO.NET, which binds it or says what is wrong.
    /// </summary>
    bool TryExecute(IReadOnlyList<(string Name, object? Value)> parameters);
}
