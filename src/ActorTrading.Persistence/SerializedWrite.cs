using ActorTrading.Actors.Persistence;

namespace ActorTrading.Persistence;

/// <summary>An atomic write with its events serialized, or the reason it was rejected.</summary>
public sealed record SerializedWrite(AtomicWrite Write, IReadOnlyList<SerializedPayload> Payloads, JournalWriteRejectedException? Rejection)
{
    /// <summary>Serializes each write; a write with an event that cannot be serialized is rejected whole.</summary>
    public static SerializedWrite[] SerializeAll(IReadOnlyList<AtomicWrite> writes, EventSerializer serializer)
    {
        var result = new SerializedWrite[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            try
            {
                result[i] = new SerializedWrite(write, [.. write.Events.Select(e => serializer.Serialize(e.Payload))], null);
            }
            catch (Exception exception) when (exception is UnknownEventTypeException or NotSupportedException or System.Text.Json.JsonException or InvalidOperationException)
            {
                result[i] = new SerializedWrite(write, [], new JournalWriteRejectedException(
                    $"write of '{write.PersistenceId}' #{write.LowestSequenceNr}-{write.HighestSequenceNr} cannot be serialized: {exception.Message}", exception));
            }
        }

        return result;
    }
}
