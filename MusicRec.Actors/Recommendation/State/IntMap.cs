using System.Collections;

namespace MusicRec.Recommendation;

/// <summary>
/// An immutable map from int to <typeparamref name="TValue"/> for the per-user state's recent sets (a two-level
/// B+tree: sorted leaves of at most <see cref="MaxLeaf"/> keys under one routing array). A change copies one leaf and
/// the routing array: four or five flat objects, where an <see cref="System.Collections.Immutable.ImmutableDictionary{TKey, TValue}"/>
/// rebuilds a path of a dozen tree nodes. Those nodes were most of what a busy user's state allocated per event and
/// most of what each collection had to trace; lookups are two binary searches over contiguous keys.
/// Sized for the state's sets (hundreds to a few thousand keys): the routing arrays grow with Count / 64.
/// </summary>
public sealed class IntMap<TValue> : IEnumerable<KeyValuePair<int, TValue>>
{
    /// <summary>A leaf splits in two when it would pass this many keys.</summary>
    internal const int MaxLeaf = 64;

    public static readonly IntMap<TValue> Empty = new([], [], 0);

    private readonly Leaf[] _leaves;   // keys ascending across all leaves
    private readonly int[] _last;      // each leaf's largest key, for routing

    private IntMap(Leaf[] leaves, int[] last, int count)
    {
        _leaves = leaves;
        _last = last;
        Count = count;
    }

    private sealed class Leaf(int[] keys, TValue[] values)
    {
        public readonly int[] Keys = keys;
        public readonly TValue[] Values = values;
    }

    public int Count { get; }

    /// <summary>A map of the given entries (a later entry for the same key wins), built leaf by leaf, not by repeated <see cref="SetItem"/>.</summary>
    public static IntMap<TValue> CreateRange(IEnumerable<KeyValuePair<int, TValue>> entries)
    {
        var all = new SortedDictionary<int, TValue>();
        foreach (var (key, value) in entries) all[key] = value;
        if (all.Count == 0) return Empty;
        // Leaves three quarters full, so the next keys mostly go in without a split.
        const int fill = MaxLeaf * 3 / 4;
        var keys = all.Keys.ToArray();
        var values = all.Values.ToArray();
        var leaves = new Leaf[(keys.Length + fill - 1) / fill];
        var last = new int[leaves.Length];
        for (var i = 0; i < leaves.Length; i++)
        {
            var range = new Range(i * fill, Math.Min(keys.Length, (i + 1) * fill));
            leaves[i] = new Leaf(keys[range], values[range]);
            last[i] = leaves[i].Keys[^1];
        }
        return new IntMap<TValue>(leaves, last, keys.Length);
    }

    /// <summary>The keys, ascending.</summary>
    public IEnumerable<int> Keys => this.Select(kv => kv.Key);

    public bool ContainsKey(int key) => TryGetValue(key, out _);

    public bool TryGetValue(int key, out TValue value)
    {
        var leaf = LeafFor(key);
        if (leaf >= 0 && _leaves[leaf] is var l && Array.BinarySearch(l.Keys, key) is var i and >= 0)
        {
            value = l.Values[i];
            return true;
        }
        value = default!;
        return false;
    }

    public TValue GetValueOrDefault(int key, TValue fallback = default!) => TryGetValue(key, out var v) ? v : fallback;

    public TValue this[int key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"key {key} is not in the map");

    /// <summary>The map with <paramref name="key"/> set to <paramref name="value"/> (added or replaced).</summary>
    public IntMap<TValue> SetItem(int key, TValue value)
    {
        if (_leaves.Length == 0) return new IntMap<TValue>([new Leaf([key], [value])], [key], 1);
        // A key above every leaf goes to the last leaf.
        var leaf = LeafFor(key) is var l and >= 0 ? l : _leaves.Length - 1;
        var keys = _leaves[leaf].Keys;
        var values = _leaves[leaf].Values;
        var at = Array.BinarySearch(keys, key);
        if (at >= 0)
        {
            var replaced = (TValue[])values.Clone();
            replaced[at] = value;
            return WithLeaf(leaf, keys, replaced, Count);
        }
        at = ~at;
        var newKeys = Insert(keys, at, key);
        var newValues = Insert(values, at, value);
        if (newKeys.Length <= MaxLeaf) return WithLeaf(leaf, newKeys, newValues, Count + 1);
        // Split the full leaf into two halves.
        var half = newKeys.Length / 2;
        return WithSplit(leaf, newKeys[..half], newValues[..half], newKeys[half..], newValues[half..], Count + 1);
    }

    /// <summary>The map without <paramref name="key"/> (this map when it is absent).</summary>
    public IntMap<TValue> Remove(int key)
    {
        var leaf = LeafFor(key);
        if (leaf < 0 || Array.BinarySearch(_leaves[leaf].Keys, key) is not (var at and >= 0)) return this;
        if (_leaves[leaf].Keys.Length == 1) return WithoutLeaf(leaf);
        return WithLeaf(leaf, RemoveAt(_leaves[leaf].Keys, at), RemoveAt(_leaves[leaf].Values, at), Count - 1);
    }

    public IEnumerator<KeyValuePair<int, TValue>> GetEnumerator()
    {
        foreach (var leaf in _leaves)
            for (var i = 0; i < leaf.Keys.Length; i++)
                yield return new KeyValuePair<int, TValue>(leaf.Keys[i], leaf.Values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The first leaf whose largest key is at least <paramref name="key"/>; -1 when the key is above them all.</summary>
    private int LeafFor(int key)
    {
        int lo = 0, hi = _last.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_last[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo < _last.Length ? lo : -1;
    }

    private IntMap<TValue> WithLeaf(int leaf, int[] keys, TValue[] values, int count)
    {
        var leaves = (Leaf[])_leaves.Clone();
        leaves[leaf] = new Leaf(keys, values);
        var last = _last;
        if (last[leaf] != keys[^1])
        {
            last = (int[])last.Clone();
            last[leaf] = keys[^1];
        }
        return new IntMap<TValue>(leaves, last, count);
    }

    private IntMap<TValue> WithSplit(int leaf, int[] lowKeys, TValue[] lowValues, int[] highKeys, TValue[] highValues, int count)
    {
        var leaves = Insert(_leaves, leaf + 1, new Leaf(highKeys, highValues));
        var last = Insert(_last, leaf + 1, highKeys[^1]);
        leaves[leaf] = new Leaf(lowKeys, lowValues);
        last[leaf] = lowKeys[^1];
        return new IntMap<TValue>(leaves, last, count);
    }

    private IntMap<TValue> WithoutLeaf(int leaf) =>
        Count == 1 ? Empty : new IntMap<TValue>(RemoveAt(_leaves, leaf), RemoveAt(_last, leaf), Count - 1);

    private static T[] Insert<T>(T[] items, int at, T item)
    {
        var result = new T[items.Length + 1];
        Array.Copy(items, result, at);
        result[at] = item;
        Array.Copy(items, at, result, at + 1, items.Length - at);
        return result;
    }

    private static T[] RemoveAt<T>(T[] items, int at)
    {
        var result = new T[items.Length - 1];
        Array.Copy(items, result, at);
        Array.Copy(items, at + 1, result, at, items.Length - at - 1);
        return result;
    }
}
