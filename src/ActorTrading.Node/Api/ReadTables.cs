using System.Data.Common;

namespace ActorTrading.Node.Api;

/// <summary>Reads rows of the read tables as dictionaries keyed by column name (the API's snake_case).</summary>
internal static class ReadTables
{
    public static async Task<List<Dictionary<string, object?>>> QueryAsync(NodeRuntime runtime, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await runtime.OpenReadModelAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var rows = new List<Dictionary<string, object?>>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var name = reader.GetName(i);
                row[name] = reader.IsDBNull(i) ? null : Normalize(name, reader.GetValue(i));
            }

            rows.Add(row);
        }

        return rows;
    }

    // SQLite keeps decimals as text (exact) and booleans as integers; the API shows one shape whatever the store.
    private static object Normalize(string column, object value) => value switch
    {
        string text when column.EndsWith("_usd", StringComparison.Ordinal) || column.EndsWith("_pct", StringComparison.Ordinal)
                         || column is "price" or "quantity" or "alert_price"
            => decimal.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
        long flag when column.StartsWith("is_", StringComparison.Ordinal) || column == "testnet" => flag != 0,
        _ => value,
    };
}
