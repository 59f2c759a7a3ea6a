using System.Buffers;
using System.Text;
using System.Text.Json;
using ActorTrading.Exchanges.Transport;

namespace ActorTrading.Exchanges.Bybit;

/// <summary>A POST body written field by field in a fixed order, compact, numbers as strings: the exact bytes signed and sent.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Build() disposes the writer; a builder is used once.")]
internal sealed class BybitBody
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    public BybitBody()
    {
        _writer = new Utf8JsonWriter(_buffer);
        _writer.WriteStartObject();
    }

    public BybitBody Add(string name, string value)
    {
        _writer.WriteString(name, value);
        return this;
    }

    public BybitBody Add(string name, decimal value) => Add(name, WireFormat.Decimal(value));

    public BybitBody AddNumber(string name, int value)
    {
        _writer.WriteNumber(name, value);
        return this;
    }

    public BybitBody AddBool(string name, bool value)
    {
        _writer.WriteBoolean(name, value);
        return this;
    }

    /// <summary>Closes the object; the builder is spent.</summary>
    public string Build()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        var text = Encoding.UTF8.GetString(_buffer.WrittenSpan);
        _writer.Dispose();
        return text;
    }
}
