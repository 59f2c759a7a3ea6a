using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ActorTrading.Remote.Transport;

/// <summary>
/// The wire format. Every frame is a 4-byte little-endian length of its body, then the body, whose first byte is its kind:
/// <code>
/// message: kind=1 | u16 len, recipient path | u16 len, sender path (0: none) | u16 len, manifest | payload (the rest)
/// hello:   kind=2 | 32-byte nonce | i64 incarnation uid | u16 len, address
/// proof:   kind=3 | 32-byte HMAC-SHA256
/// watch:   kind=4 | u16 len, path of an actor of the receiving node that the sending node watches
/// unwatch: kind=5 | u16 len, that path
/// terminated: kind=6 | u16 len, that path (as the watch named it) | 1 byte existence confirmed
/// </code>
/// Strings are UTF-8. A connection carries hello and proof first (the handshake), then only messages.
/// </summary>
internal static class Frames
{
    public const byte MessageKind = 1;
    public const byte HelloKind = 2;
    public const byte ProofKind = 3;
    public const byte WatchKind = 4;
    public const byte UnwatchKind = 5;
    public const byte TerminatedKind = 6;
    public const int HeaderBytes = 4;
    public const int NonceBytes = 32;
    public const int MacBytes = 32;

    /// <summary>A whole message frame (header included), ready to be written as is.</summary>
    public static byte[] Message(ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> sender, string manifest, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[MessageLength(recipient.Length, sender.Length, manifest, payload.Length)];
        WriteMessage(frame, recipient, sender, manifest, payload);
        return frame;
    }

    /// <summary>The bytes of a message frame, header included; <see cref="FrameException"/> for a string too long to carry.</summary>
    public static int MessageLength(int recipientBytes, int senderBytes, string manifest, int payloadBytes)
    {
        CheckString(recipientBytes, "recipient path");
        CheckString(senderBytes, "sender path");
        var manifestBytes = Encoding.UTF8.GetByteCount(manifest);
        CheckString(manifestBytes, "manifest");
        return HeaderBytes + 1 + 2 + recipientBytes + 2 + senderBytes + 2 + manifestBytes + payloadBytes;
    }

    /// <summary>Writes a message frame of <see cref="MessageLength"/> bytes to the start of <paramref name="span"/>.</summary>
    public static void WriteMessage(Span<byte> span, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> sender, string manifest, ReadOnlySpan<byte> payload)
    {
        var at = 5;
        at = WriteString(span, at, recipient);
        at = WriteString(span, at, sender);
        var manifestBytes = Encoding.UTF8.GetBytes(manifest, span[(at + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)manifestBytes);
        at += 2 + manifestBytes;
        payload.CopyTo(span[at..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, at + payload.Length - HeaderBytes);
        span[4] = MessageKind;
    }

    public static byte[] Hello(ReadOnlySpan<byte> nonce, long uid, string address)
    {
        var addressBytes = Encoding.UTF8.GetBytes(address);
        CheckString(addressBytes.Length, "address");
        var body = 1 + NonceBytes + 8 + 2 + addressBytes.Length;
        var frame = new byte[HeaderBytes + body];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, body);
        span[4] = HelloKind;
        nonce.CopyTo(span[5..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[(5 + NonceBytes)..], uid);
        WriteString(span, 5 + NonceBytes + 8, addressBytes);
        return frame;
    }

    /// <summary>A watch, unwatch or terminated frame for <paramref name="path"/>.</summary>
    public static byte[] Control(byte kind, ReadOnlySpan<byte> path, bool existenceConfirmed = false)
    {
        CheckString(path.Length, "watched path");
        var body = 1 + 2 + path.Length + (kind == TerminatedKind ? 1 : 0);
        var frame = new byte[HeaderBytes + body];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, body);
        span[4] = kind;
        var at = WriteString(span, 5, path);
        if (kind == TerminatedKind)
        {
            span[at] = existenceConfirmed ? (byte)1 : (byte)0;
        }

        return frame;
    }

    public static byte[] Proof(ReadOnlySpan<byte> mac)
    {
        var frame = new byte[HeaderBytes + 1 + MacBytes];
        BinaryPrimitives.WriteInt32LittleEndian(frame, 1 + MacBytes);
        frame[4] = ProofKind;
        mac.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>Takes one whole frame's body off the front of <paramref name="buffer"/>; false when it is not all there yet.
    /// <see cref="FrameException"/> for a length over <paramref name="maxFrameBytes"/> or an empty body.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (buffer.Length < HeaderBytes)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 1 || length > maxFrameBytes)
        {
            throw new FrameException($"frame length {length} is not 1 to {maxFrameBytes} bytes (MaxFrameBytes)");
        }

        if (buffer.Length < HeaderBytes + length)
        {
            return false;
        }

        body = buffer.Slice(HeaderBytes, length);
        buffer = buffer.Slice(body.End);
        return true;
    }

    /// <summary>Takes one whole frame's body off <paramref name="memory"/> at <paramref name="at"/>, moving past it; false
    /// when it is not all there (then the sequence overload of TryRead on the whole buffer). Same errors as that overload.
    /// The read loop's path: frames inside one segment of the pipe are split off as slices, with no sequence arithmetic.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> memory, ref int at, int maxFrameBytes, out ReadOnlyMemory<byte> body)
    {
        body = default;
        var rest = memory.Span[at..];
        if (rest.Length < HeaderBytes)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (length < 1 || length > maxFrameBytes)
        {
            throw new FrameException($"frame length {length} is not 1 to {maxFrameBytes} bytes (MaxFrameBytes)");
        }

        if (rest.Length - HeaderBytes < length)
        {
            return false;
        }

        body = memory.Slice(at + HeaderBytes, length);
        at += HeaderBytes + length;
        return true;
    }

    /// <summary>Reads a length-prefixed string at <paramref name="at"/>, moving past it.</summary>
    public static ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> body, ref int at, string what)
    {
        if (body.Length < at + 2)
        {
            throw new FrameException($"frame ends before the length of its {what}");
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(body[at..]);
        if (body.Length < at + 2 + length)
        {
            throw new FrameException($"frame ends inside its {what} ({length} bytes)");
        }

        var value = body.Slice(at + 2, length);
        at += 2 + length;
        return value;
    }

    private static int WriteString(Span<byte> span, int at, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)value.Length);
        value.CopyTo(span[(at + 2)..]);
        return at + 2 + value.Length;
    }

    private static void CheckString(int length, string what)
    {
        if (length > ushort.MaxValue)
        {
            throw new FrameException($"{what} of {length} bytes is longer than a frame can carry ({ushort.MaxValue})");
        }
    }
}

/// <summary>A frame that breaks the wire format: the connection that carried it is closed.</summary>
internal sealed class FrameException(string message) : IOException(message);
