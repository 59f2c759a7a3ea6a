using System.Text;

namespace ActorTrading.Persistence.Tests;

public sealed class EventSerializerSpecs
{
    private readonly EventSerializer _serializer = TestSerializer.Create();

    [Fact]
    public void Events_are_stored_under_their_versioned_name_as_json()
    {
        var stored = _serializer.Serialize(new OrderPlaced("o-1", 1.5m, "buy"));
        stored.Manifest.ShouldBe("test.order-placed.v2");
        Encoding.UTF8.GetString(stored.Payload).ShouldBe("""{"order_id":"o-1","quantity":1.5,"side":"buy"}""");
        _serializer.Deserialize(stored.Manifest, stored.Payload).ShouldBe(new OrderPlaced("o-1", 1.5m, "buy"));
    }

    [Fact]
    public void An_older_stored_version_is_read_as_todays_type()
    {
        var old = Encoding.UTF8.GetBytes("""{"order_id":"o-0","qty":"0.25"}""");
        _serializer.Deserialize("test.order-placed.v1", old).ShouldBe(new OrderPlaced("o-0", 0.25m, "unknown"));
    }

    [Fact]
    public void Unknown_types_and_names_throw_with_what_is_missing()
    {
        Should.Throw<UnknownEventTypeException>(() => _serializer.Serialize(new Uri("http://127.0.0.1/"))).Message.ShouldContain("System.Uri");
        Should.Throw<UnknownEventTypeException>(() => _serializer.Deserialize("test.gone.v1", [])).Message.ShouldContain("test.gone.v1");
    }

    [Fact]
    public void Names_are_validated_and_registered_once()
    {
        Should.Throw<ArgumentException>(() => EventSerializer.Create().Add("Bad Name", 1, TestJsonContext.Default.Counter)).Message.ShouldContain("Bad Name");
        Should.Throw<ArgumentException>(() => EventSerializer.Create()
            .Add("a.b", 1, TestJsonContext.Default.Counter)
            .AddLegacy("a.b", 1, TestJsonContext.Default.OrderPlacedV1, o => o)).Message.ShouldContain("a.b.v1");
        Should.Throw<ArgumentOutOfRangeException>(() => EventSerializer.Create().Add("a.b", 0, TestJsonContext.Default.Counter));
    }
}
