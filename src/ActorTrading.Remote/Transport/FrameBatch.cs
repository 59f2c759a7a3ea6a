using System.Buffers;

namespace ActorTrading.Remote.Transport;

/// <summary>
/// Frames queued for one association, written end to end into chunks rented from the array pool (a frame never spans
/// two chunks; a frame bigger than a chunk gets a chunk of its own), and what each frame carries, for dead letters.
/// A burst rents more chunks instead of copying a growing array; they go back to the pool once written.
/// Not thread-safe: the association holds its lock around every use of the pending batch.
/// </summary>
internal sealed class FrameBatch(int chunkBytes)
{
    private readonly List<ArraySegment<byte>> _chunks = [];
    private byte[]? _current;
    private int _used;

    /// <summary>What each frame carries, in the order of the frames.</summary>
    public List<OutboundFrame> Carried { get; } = [];

    /// <summary>Frames in the batch.</summary>
    public int Count => Carried.Count;

    /// <summary>Room for a frame of <paramref name="length"/> bytes at the end of the batch: the caller fills all of it.</summary>
    public Span<byte> Reserve(int length)
    {
        if (_current is null || _current.Length - _used < length)
        {
            Seal();
            _current = ArrayPool<byte>.Shared.Rent(Math.Max(chunkBytes, length));
        }

        var span = _current.AsSpan(_used, length);
        _used += length;
        return span;
    }

    /// <summary>The chunks as written, in order.</summary>
    public List<ArraySegment<byte>> Chunks()
    {
        Seal();
        return _chunks;
    }

    /// <summary>Empties the batch and hands its chunks back to the pool.</summary>
    public void Clear()
    {
        Seal();
        foreach (var chunk in _chunks)
        {
            if (chunk.Array is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }

        _chunks.Clear();
        Carried.Clear();
    }

    private void Seal()
    {
        if (_current is not null)
        {
            _chunks.Add(new ArraySegment<byte>(_current, 0, _used));
            _current = null;
            _used = 0;
        }
    }
}
