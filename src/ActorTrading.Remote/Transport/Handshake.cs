using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using ActorTrading.Actors;

namespace ActorTrading.Remote.Transport;

/// <summary>What the handshake learnt of the other side.</summary>
internal sealed record PeerIdentity(Address Address, long Uid);

/// <summary>The handshake refused the peer, for <see cref="Exception.Message"/>'s reason.</summary>
internal sealed class HandshakeException(string message) : IOException(message);

/// <summary>
/// Proves to each other that both sides know the cluster secret, without sending it, and tells each side the other's
/// address and incarnation uid. Both send hello (a fresh 32-byte nonce, uid, address) at once; each then sends
/// HMAC-SHA256(secret, role | own nonce | peer nonce | own uid | own address) and checks the peer's in constant time.
/// The role ("dialer" or "listener") keeps a proof from being reflected back to the side that made it; fresh nonces on
/// both sides keep an old proof from being replayed.
/// </summary>
internal static class Handshake
{
    private const string Dialer = "actortrading-remote-v1 dialer";
    private const string Listener = "actortrading-remote-v1 listener";

    public static async Task<PeerIdentity> RunAsync(
        PipeReader reader, PipeWriter writer, bool dialer, byte[] secret, Address localAddress, long localUid, int maxFrameBytes, CancellationToken cancellation)
    {
        var nonce = RandomNumberGenerator.GetBytes(Frames.NonceBytes);
        var localAddressText = localAddress.ToString();
        await writer.WriteAsync(Frames.Hello(nonce, localUid, localAddressText), cancellation);

        var hello = await ReadFrameAsync(reader, maxFrameBytes, Frames.HelloKind, "hello", cancellation);
        if (hello.Length < 1 + Frames.NonceBytes + 8 + 2)
        {
            throw new HandshakeException($"its hello has {hello.Length} bytes, too few for nonce, uid and address");
        }

        var peerNonce = hello.AsSpan(1, Frames.NonceBytes).ToArray();
        var peerUid = BinaryPrimitives.ReadInt64LittleEndian(hello.AsSpan(1 + Frames.NonceBytes));
        var at = 1 + Frames.NonceBytes + 8;
        var peerAddressText = Encoding.UTF8.GetString(Frames.ReadString(hello, ref at, "address"));
        if (!Address.TryParse(peerAddressText, out var peerAddress) || peerAddress is not { HasGlobalScope: true })
        {
            throw new HandshakeException($"its hello names address '{peerAddressText}', which is not akka.tcp://system@host:port");
        }

        var proof = Mac(secret, dialer ? Dialer : Listener, nonce, peerNonce, localUid, localAddressText);
        await writer.WriteAsync(Frames.Proof(proof), cancellation);

        var peerProof = await ReadFrameAsync(reader, maxFrameBytes, Frames.ProofKind, "proof", cancellation);
        var expected = Mac(secret, dialer ? Listener : Dialer, peerNonce, nonce, peerUid, peerAddressText);
        if (peerProof.Length != 1 + Frames.MacBytes || !CryptographicOperations.FixedTimeEquals(peerProof.AsSpan(1), expected))
        {
            throw new HandshakeException($"the proof of {peerAddress} does not match the cluster secret (is it configured with another Secret?)");
        }

        return new PeerIdentity(peerAddress, peerUid);
    }

    private static byte[] Mac(byte[] secret, string role, byte[] ownNonce, byte[] peerNonce, long ownUid, string ownAddress)
    {
        var roleBytes = Encoding.UTF8.GetBytes(role);
        var addressBytes = Encoding.UTF8.GetBytes(ownAddress);
        var data = new byte[roleBytes.Length + ownNonce.Length + peerNonce.Length + 8 + addressBytes.Length];
        var at = 0;
        roleBytes.CopyTo(data, at);
        at += roleBytes.Length;
        ownNonce.CopyTo(data, at);
        at += ownNonce.Length;
        peerNonce.CopyTo(data, at);
        at += peerNonce.Length;
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(at), ownUid);
        at += 8;
        addressBytes.CopyTo(data, at);
        return HMACSHA256.HashData(secret, data);
    }

    private static async Task<byte[]> ReadFrameAsync(PipeReader reader, int maxFrameBytes, byte kind, string what, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellation);
            var buffer = result.Buffer;
            if (Frames.TryRead(ref buffer, maxFrameBytes, out var body))
            {
                var bytes = body.ToArray();
                reader.AdvanceTo(buffer.Start);
                return bytes[0] == kind ? bytes : throw new HandshakeException($"it sent a frame of kind {bytes[0]} where its {what} was due");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new HandshakeException($"it closed the connection before its {what}");
            }
        }
    }
}
