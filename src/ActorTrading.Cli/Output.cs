using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace ActorTrading.Cli;

/// <summary>
/// What a command prints: the node's JSON as it is (<c>--json</c>, for scripts), or tables with pipe-separated lines as
/// pbm prints them, rendered by Spectre.Console without colour so that they can be read by <c>grep</c> and <c>cut</c>.
/// </summary>
internal sealed class Output(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public bool Json => json;

    public TextWriter Writer => writer;

    /// <summary>An array of objects as a table of <paramref name="columns"/> (JSON property → header).</summary>
    public void Table(JsonElement rows, params (string Property, string Header)[] columns) => Table(rows, "", columns);

    /// <summary>A table as the other overload prints it, the count followed by <paramref name="noun"/> (pbm's
    /// <c>Count: 3 nodes</c>).</summary>
    public void Table(JsonElement rows, string noun, params (string Property, string Header)[] columns)
    {
        if (json)
        {
            Raw(rows);
            return;
        }

        var table = NewTable(columns.Select(c => c.Header));
        foreach (var row in rows.EnumerateArray())
        {
            table.AddRow([.. columns.Select(c => Markup.Escape(Cell(row, c.Property)))]);
        }

        Render(table);
        writer.WriteLine(noun.Length == 0 ? $"Count: {rows.GetArrayLength()}" : $"Count: {rows.GetArrayLength()} {noun}");
    }

    /// <summary>An object as a table of its properties (the nested arrays and objects left to the tables).</summary>
    public void Fields(JsonElement element, params string[] except)
    {
        if (json)
        {
            Raw(element);
            return;
        }

        var table = NewTable(["field", "value"]);
        foreach (var property in element.EnumerateObject().Where(p => !except.Contains(p.Name)))
        {
            table.AddRow(Markup.Escape(property.Name), Markup.Escape(Cell(element, property.Name)));
        }

        Render(table);
    }

    /// <summary>One line of text (nothing with <c>--json</c>, where <paramref name="element"/> is printed instead).</summary>
    public void Line(string text, JsonElement element)
    {
        if (json)
        {
            Raw(element);
            return;
        }

        writer.WriteLine(text);
    }

    private void Raw(JsonElement element) => writer.WriteLine(JsonSerializer.Serialize(element, Indented));

    private static Table NewTable(IEnumerable<string> headers)
    {
        var table = new Table().Border(TableBorder.Markdown);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)).NoWrap());
        }

        return table;
    }

    private void Render(Table table)
    {
        using var rendered = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(rendered),
        });
        console.Profile.Width = 400; // never wrap: one row, one line
        console.Write(table);

        // The markdown border's top and bottom are blank lines of spaces: only the rows are kept.
        foreach (var line in rendered.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0))
        {
            writer.WriteLine(line);
        }
    }

    private static string Cell(JsonElement row, string property) =>
        !row.TryGetProperty(property, out var value) ? "" : value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Number => value.GetDecimal().ToString(CultureInfo.InvariantCulture),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            // A list of names (roles) as pbm prints it; a list of objects by its length.
            JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
                $"[{string.Join(",", value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()))}]",
            JsonValueKind.Array => $"[{value.GetArrayLength()}]",
            _ => value.GetRawText(),
        };
}
