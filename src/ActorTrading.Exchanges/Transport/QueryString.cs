using System.Text;

namespace ActorTrading.Exchanges.Transport;

/// <summary>Parameters in the order they are sent, percent-encoded once: what is signed is exactly what travels.</summary>
internal sealed class QueryString
{
    private readonly StringBuilder _text = new(160);

    public QueryString Add(string name, string value)
    {
        if (_text.Length > 0)
        {
            _text.Append('&');
        }

        _text.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public QueryString Add(string name, decimal value) => Add(name, WireFormat.Decimal(value));

    public QueryString Add(string name, long value) => Add(name, WireFormat.Integer(value));

    public QueryString AddIf(bool condition, string name, string value) => condition ? Add(name, value) : this;

    public override string ToString() => _text.ToString();
}
