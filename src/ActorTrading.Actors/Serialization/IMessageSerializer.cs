using System.Buffers;

namespace ActorTrading.Actors.Serialization;

/// <summary>A message as it crosses nodes: its stable, versioned name and its UTF-8 JSON.</summary>
public readonly record struct SerializedMessage(string Manifest, byte[] Payload);

/// <summary>
/// Turns the messages that cross nodes into bytes and back (Akka's serializer shape). Local tells are never serialized:
/// this is for the remote transport. Refs inside messages travel as their full path and resolve through the
/// <see cref="IActorRefProvider"/> of the receiving system.
/// </summary>
public interface IMessageSerializer
{
    /// <summary>The manifest and bytes of <paramref name="message"/>; <see cref="UnknownMessageTypeException"/> naming the
    /// type when it has no manifest.</summary>
    SerializedMessage Serialize(object message);

    /// <summary>Writes the bytes of <paramref name="message"/> to <paramref name="payload"/> and answers its manifest: the
    /// transport's path, which frames into a reused buffer instead of allocating an array per message. The default
    /// copies what <see cref="Serialize(object)"/> makes; a serializer that can write in place should.</summary>
    string Serialize(object message, IBufferWriter<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var serialized = Serialize(message);
        payload.Write(serialized.Payload);
        return serialized.Manifest;
    }

    /// <summary>The message named by <paramref name="manifest"/>; <see cref="UnknownMessageTypeException"/> naming the
    /// manifest when it is not registered.</summary>
    object Deserialize(string manifest, ReadOnlyMemory<byte> payload);
}

/// <summary>A message type or manifest the message serializer does not know.</summary>
public sealed class UnknownMessageTypeException(string message) : Exception(message);

/// <summary>
/// Marks a message that never leaves its node (it carries a delegate, a task or a local object), so that it is left out of
/// the message serializer on purpose; the spec that checks every protocol's messages skips only these.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeLocalAttribute(string reason) : Attribute
{
    /// <summary>Why the message cannot cross nodes.</summary>
    public string Reason { get; } = reason;
}
