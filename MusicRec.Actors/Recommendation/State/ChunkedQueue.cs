using System.Collections;

namespace MusicRec.Recommendation;

/// <summary>
/// An immutable first-in first-out queue for the per-user state's bounded histories, stored in chunks of
/// <see cref="ChunkSize"/> items that versions share. Enqueueing onto the newest version writes into the shared last
/// chunk in place (the slot after every version's end, which no earlier version can see); enqueueing onto an older
/// version, whose next slot a later version already took, copies that chunk first. So every version stays as it was,
/// and the usual use (each state followed by one next state) allocates a chunk per 64 items instead of a node per item
/// as <see cref="System.Collections.Immutable.ImmutableQueue{T}"/> does: those nodes were a third of the objects each
/// event added to a busy user's state, all of which the next collection had to copy.
/// </summary>
public sealed class ChunkedQueue<T> : IReadOnlyCollection<T>
{
    internal const int ChunkSize = 64;

    public static readonly ChunkedQueue<T> Empty = new([], 0, 0);

    private readonly Chunk[] _chunks;   // oldest first; the items run from _head in _chunks[0] for Count items
    private readonly int _head;

    private ChunkedQueue(Chunk[] chunks, int head, int count)
    {
        _chunks = chunks;
        _head = head;
        Count = count;
    }

    private sealed class Chunk
    {
        public readonly T[] Items = new T[ChunkSize];
        /// <summary>Slots written so far: the first version to enqueue at a slot takes it, the others copy.</summary>
        public int Claimed;
    }

    public int Count { get; }

    public bool IsEmpty => Count == 0;

    /// <summary>The item <paramref name="index"/> places from the oldest.</summary>
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the queue holds {Count} items");
            var at = _head + index;
            return _chunks[at / ChunkSize].Items[at % ChunkSize];
        }
    }

    public static ChunkedQueue<T> CreateRange(IEnumerable<T> items)
    {
        var queue = Empty;
        foreach (var item in items) queue = queue.Enqueue(item);
        return queue;
    }

    /// <summary>This queue with <paramref name="item"/> added at the end.</summary>
    public ChunkedQueue<T> Enqueue(T item)
    {
        var end = _head + Count;
        var (at, slot) = (end / ChunkSize, end % ChunkSize);
        if (at == _chunks.Length)
        {
            var fresh = new Chunk { Claimed = 1 };
            fresh.Items[0] = item;
            var grown = new Chunk[_chunks.Length + 1];
            Array.Copy(_chunks, grown, _chunks.Length);
            grown[at] = fresh;
            return new ChunkedQueue<T>(grown, _head, Count + 1);
        }
        var last = _chunks[at];
        if (Interlocked.CompareExchange(ref last.Claimed, slot + 1, slot) == slot)
        {
            last.Items[slot] = item;
            return new ChunkedQueue<T>(_chunks, _head, Count + 1);
        }
        // A later version already wrote this slot: this version continues on a copy of its own last chunk.
        var copy = new Chunk { Claimed = slot + 1 };
        Array.Copy(last.Items, copy.Items, slot);
        copy.Items[slot] = item;
        var chunks = (Chunk[])_chunks.Clone();
        chunks[at] = copy;
        return new ChunkedQueue<T>(chunks, _head, Count + 1);
    }

    /// <summary>This queue without its oldest item, which is returned in <paramref name="item"/>.</summary>
    public ChunkedQueue<T> Dequeue(out T item)
    {
        if (Count == 0) throw new InvalidOperationException("the queue is empty");
        item = _chunks[0].Items[_head];
        if (Count == 1) return Empty;
        return _head + 1 < ChunkSize
            ? new ChunkedQueue<T>(_chunks, _head + 1, Count - 1)
            : new ChunkedQueue<T>(_chunks[1..], 0, Count - 1);
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            var at = _head + i;
            yield return _chunks[at / ChunkSize].Items[at % ChunkSize];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
