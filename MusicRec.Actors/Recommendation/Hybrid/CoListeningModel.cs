using MusicRec.Contracts;
using System.Collections.Concurrent;

namespace MusicRec.Recommendation.Hybrid;

/// <summary>How two tracks' co-occurrence becomes a similarity (docs/recommender.md: chosen by HR@10).</summary>
public enum CoListeningScoring
{
    /// <summary>Dunning's log-likelihood ratio of the 2x2 co-occurrence table, as the Universal Recommender (CCO).</summary>
    Llr,
    /// <summary>Co-occurrences over the geometric mean of the two tracks' counts (Gorse's item-to-item cosine on users).</summary>
    Cosine,
}

public sealed record CoListeningOptions
{
    /// <summary>A new positive event co-occurs with this many of the listener's most recent distinct positive tracks.</summary>
    public int UserWindow { get; init; } = 20;
    /// <summary>Counters kept per track after a prune (the strongest); memory is bounded by <see cref="PruneAt"/> per track.</summary>
    public int MaxNeighbours { get; init; } = 50;
    /// <summary>A track's counters are pruned back to <see cref="MaxNeighbours"/> when they reach this many.</summary>
    public int PruneAt { get; init; } = 80;
    /// <summary>Cosine: measured above LLR in HR@10 on the sample and at 10 million events (docs/recommender.md).</summary>
    public CoListeningScoring Scoring { get; init; } = CoListeningScoring.Cosine;
}

/// <summary>
/// Item-to-item co-occurrence learned online from every listener's positive events (listen, like). Each positive event
/// pairs the track with the listener's last <see cref="CoListeningOptions.UserWindow"/> distinct positive tracks, so
/// one event costs O(window) counter updates and a query reads the counters as they are now. Memory is bounded: a
/// track keeps at most <see cref="CoListeningOptions.PruneAt"/> counters (pruned to the strongest), a listener only
/// the window.
/// <para>
/// One writer (<see cref="Observe"/>) and any number of readers at the same time, without locks: a decision never
/// waits for the model's owner, nor the owner for a decision. A reader sees each counter as it was at some moment
/// (a counter is one 64-bit word), and a query that meets a prune of the same track may miss some of its counters.
/// <see cref="WriteSnapshot"/> wants no write in progress.
/// </para>
/// </summary>
public sealed class CoListeningModel
{
    private readonly CoListeningOptions _options;
    // Concurrent dictionaries: readers look up while the writer adds.
    private readonly ConcurrentDictionary<int, int> _rowOf = new();
    private readonly ConcurrentDictionary<string, UserWindow> _users = new(StringComparer.Ordinal);
    private Rows _rows;
    private int _rowCount;
    private long _total;

    /// <param name="expectedTracks">Rows reserved at once (the catalogue's size), so the row arrays need not grow.</param>
    public CoListeningModel(CoListeningOptions? options = null, int expectedTracks = 0)
    {
        _options = options ?? new CoListeningOptions();
        if (_options.UserWindow < 1 || _options.MaxNeighbours < 1 || _options.PruneAt <= _options.MaxNeighbours)
            throw new ArgumentException("co-listening options need UserWindow >= 1 and PruneAt > MaxNeighbours >= 1", nameof(options));
        _rows = new Rows(Math.Max(16, expectedTracks), NeighbourCounts.SlotsFor(_options.PruneAt));
    }

    public CoListeningOptions Options => _options;
    public int Tracks => Volatile.Read(ref _rowCount);
    public int Listeners => _users.Count;
    /// <summary>Positive events that counted (a track already in the listener's window does not count again).</summary>
    public long Occurrences => Volatile.Read(ref _total);
    /// <summary>The listener's last distinct positive tracks as this model has read them (a copy; empty when none).</summary>
    public int[] RecentTracks(string userId)
    {
        if (!_users.TryGetValue(userId, out var window)) return [];
        var rows = Volatile.Read(ref _rows);
        var tracks = new int[window.Count];
        var n = 0;
        for (var i = 0; i < tracks.Length; i++)
            if (window.OldestFirstAt(i) is var row && row < rows.Of.Length) tracks[n++] = rows.Of[row].TrackId;
        return n == tracks.Length ? tracks : tracks[..n];
    }

    /// <summary>Co-occurrence counters held, both directions.</summary>
    public long Counters
    {
        get
        {
            var rows = Volatile.Read(ref _rows);
            long n = 0;
            for (var r = 0; r < Math.Min(Tracks, rows.Of.Length); r++) n += rows.Of[r].Held;
            return n;
        }
    }

    /// <summary>Applies one event: a listen or like pairs the track with the listener's window; a skip changes nothing.</summary>
    public void Observe(string userId, int trackId, string action)
    {
        if (action is not (Contracts.Actions.Listen or Contracts.Actions.Like)) return;
        var window = _users.GetOrAdd(userId, static (_, capacity) => new UserWindow(capacity), _options.UserWindow);
        var row = RowOf(trackId);
        if (window.Contains(row)) return;
        // Oldest first, whatever the ring's offset: a model restored from a snapshot then prunes exactly as this one.
        for (var i = 0; i < window.Count; i++)
        {
            var other = window.OldestFirstAt(i);
            Increment(row, other);
            Increment(other, row);
        }
        window.Push(row);
        _rows.Of[row].Occurrences++;
        _total++;
    }

    /// <summary>How often the two tracks were heard together (0 when unknown or pruned).</summary>
    public int CoOccurrences(int a, int b) =>
        _rowOf.TryGetValue(a, out var ra) && _rowOf.TryGetValue(b, out var rb) && PairsOf(Volatile.Read(ref _rows), ra) is { } p ? p.Get(rb) : 0;

    /// <summary>The track's strongest co-listened tracks, best first (ties: lower id first).</summary>
    public IReadOnlyList<ScoredTrack> Neighbours(int trackId, int limit)
    {
        var all = new List<(int Track, double Score)>();
        AddNeighbours(trackId, all);
        return all.OrderByDescending(x => x.Score).ThenBy(x => x.Track).Take(limit)
            .Select(x => new ScoredTrack(x.Track, (float)x.Score)).ToList();
    }

    /// <summary>Adds each neighbour of the track that scores above zero to <paramref name="into"/>, in no order.</summary>
    public void AddNeighbours(int trackId, List<(int Track, double Score)> into)
    {
        var rows = Volatile.Read(ref _rows);
        if (!_rowOf.TryGetValue(trackId, out var row) || PairsOf(rows, row) is not { } pairs) return;
        var n = rows.Of[row].Occurrences;
        var total = Volatile.Read(ref _total);
        for (var slot = 0; slot < pairs.Capacity; slot++)
        {
            var (other, count) = pairs.At(slot);
            // A row added after this reader took the arrays is not in them: it is left for the next query.
            if ((uint)other >= (uint)rows.Of.Length) continue;
            ref readonly var neighbour = ref rows.Of[other];
            var s = Score(count, n, neighbour.Occurrences, total);
            if (s > 0) into.Add((neighbour.TrackId, s));
        }
    }

    private static NeighbourCounts? PairsOf(Rows rows, int row) =>
        (uint)row < (uint)rows.Of.Length && Volatile.Read(ref rows.Of[row].Held) > 0 ? rows.TableOf(row) : null;

    private double Score(long k11, long nA, long nB, long total) => _options.Scoring switch
    {
        CoListeningScoring.Cosine => k11 / Math.Sqrt((double)Math.Max(nA, 1) * Math.Max(nB, 1)),
        _ => LogLikelihood.PositiveRatio(k11, nA, nB, total),
    };

    private int RowOf(int trackId)
    {
        if (_rowOf.TryGetValue(trackId, out var row)) return row;
        row = _rowCount;
        var rows = _rows;
        if (row == rows.Of.Length) Volatile.Write(ref _rows, rows = rows.Grown());
        rows.Of[row].TrackId = trackId;
        Volatile.Write(ref _rowCount, row + 1);
        // Published last: a reader that finds the row finds it filled in.
        _rowOf[trackId] = row;
        return row;
    }

    private void Increment(int row, int other)
    {
        var rows = _rows;
        ref var r = ref rows.Of[row];
        var table = rows.TableOf(row);
        if (table.Increment(other)) Volatile.Write(ref r.Held, r.Held + 1);
        if (r.Held >= _options.PruneAt) Prune(table, ref r.Held);
    }

    /// <summary>
    /// The per-row arrays, replaced whole when they grow: a reader that took them once indexes arrays of one length.
    /// A reader may hold the old ones a moment; their counts only lag. Every row's counter table is a fixed slice of
    /// one array of longs, reserved for the expected tracks at once: no object per track, nothing for the collector
    /// to trace or promote as tracks get their first counters.
    /// </summary>
    private sealed class Rows(int capacity, int slots)
    {
        /// <summary>Track and count side by side: a query reads both for every neighbour, so one cache miss instead of two.</summary>
        public readonly Row[] Of = new Row[capacity];
        public readonly long[] Counters = new long[(long)capacity * slots];
        public readonly int Slots = slots;

        public NeighbourCounts TableOf(int row) => new(Counters, row * Slots, Slots - 1);

        public Rows Grown()
        {
            var next = new Rows(Of.Length * 2, Slots);
            Of.CopyTo(next.Of, 0);
            Counters.CopyTo(next.Counters, 0);
            return next;
        }
    }

    private struct Row
    {
        public long Occurrences;
        public int TrackId;
        /// <summary>Entries in the row's counter table (0: none yet, a query skips it).</summary>
        public int Held;
    }

    /// <summary>
    /// Keeps the strongest <see cref="CoListeningOptions.MaxNeighbours"/> counters; ties keep the lower track id, so a
    /// model restored from a snapshot (other row numbers) prunes exactly as the live one did.
    /// </summary>
    private void Prune(NeighbourCounts pairs, ref int held)
    {
        // One pair of buffers for every prune (one writer): a prune runs every few dozen new pairs of a busy track.
        if (_pruneKeys.Length < held) (_pruneKeys, _pruneRows) = (new long[held], new int[held]);
        var n = 0;
        for (var slot = 0; slot < pairs.Capacity; slot++)
            if (pairs.At(slot) is { Row: >= 0 } entry)
            {
                // Ascending keys: fewer co-occurrences first, then the higher track id (the id mapped to an unsigned
                // order and inverted), so the strongest, lower-id ties come last.
                _pruneKeys[n] = ((long)entry.Count << 32) | ~(uint)(_rows.Of[entry.Row].TrackId ^ int.MinValue);
                _pruneRows[n++] = entry.Row;
            }
        Array.Sort(_pruneKeys, _pruneRows, 0, n);
        pairs.Clear();
        var kept = Math.Max(0, n - _options.MaxNeighbours);
        for (var i = kept; i < n; i++) pairs.Set(_pruneRows[i], (int)(_pruneKeys[i] >> 32));
        Volatile.Write(ref held, n - kept);
    }

    private long[] _pruneKeys = [];
    private int[] _pruneRows = [];

    // ---- snapshot: a deterministic binary image (same model, same bytes) ----

    private const uint Magic = 0x4D52434C; // "MRCL"
    private const int FormatVersion = 1;

    /// <summary>
    /// Writes the whole model (options, counts, counters, listener windows), sorted so equal models give equal bytes.
    /// The activity stream stays the source of truth; a snapshot only saves replaying it (docs/recommender.md).
    /// </summary>
    public void WriteSnapshot(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(_options.UserWindow);
        w.Write(_options.MaxNeighbours);
        w.Write(_options.PruneAt);
        w.Write((int)_options.Scoring);
        w.Write(_total);
        var all = _rows;
        var rows = Enumerable.Range(0, _rowCount).OrderBy(r => all.Of[r].TrackId).ToArray();
        w.Write(rows.Length);
        foreach (var r in rows)
        {
            w.Write(all.Of[r].TrackId);
            w.Write(all.Of[r].Occurrences);
            var pairs = PairsOf(all, r);
            var sorted = pairs is null ? [] : pairs.Value.Entries().Select(p => (Track: all.Of[p.Row].TrackId, p.Count)).OrderBy(p => p.Track).ToArray();
            w.Write(sorted.Length);
            foreach (var (t, c) in sorted) { w.Write(t); w.Write(c); }
        }
        w.Write(_users.Count);
        foreach (var (user, window) in _users.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            w.Write(user);
            var recent = window.OldestFirst().Select(r => all.Of[r].TrackId).ToArray();
            w.Write(recent.Length);
            foreach (var t in recent) w.Write(t);
        }
    }

    /// <summary>Reads what <see cref="WriteSnapshot"/> wrote; a damaged or foreign image is an <see cref="InvalidDataException"/>.</summary>
    public static CoListeningModel ReadSnapshot(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a co-listening model snapshot");
            if (r.ReadInt32() is var version && version != FormatVersion)
                throw new InvalidDataException($"co-listening snapshot version {version}, this build reads {FormatVersion}");
            var options = new CoListeningOptions
            {
                UserWindow = r.ReadInt32(), MaxNeighbours = r.ReadInt32(), PruneAt = r.ReadInt32(), Scoring = (CoListeningScoring)r.ReadInt32(),
            };
            var model = new CoListeningModel(options) { _total = r.ReadInt64() };
            var tracks = r.ReadInt32();
            var pending = new List<(int Row, int[] Tracks, int[] Counts)>(tracks);
            for (var i = 0; i < tracks; i++)
            {
                var row = model.RowOf(r.ReadInt32());
                model._rows.Of[row].Occurrences = r.ReadInt64();
                var n = r.ReadInt32();
                var ts = new int[n];
                var cs = new int[n];
                for (var j = 0; j < n; j++) { ts[j] = r.ReadInt32(); cs[j] = r.ReadInt32(); }
                pending.Add((row, ts, cs));
            }
            foreach (var (row, ts, cs) in pending)
            {
                if (ts.Length == 0) continue;
                if (ts.Length >= options.PruneAt) throw new InvalidDataException($"{ts.Length} counters for one track, more than prune-at {options.PruneAt}");
                var pairs = model._rows.TableOf(row);
                for (var j = 0; j < ts.Length; j++)
                    if (pairs.Set(model._rowOf.TryGetValue(ts[j], out var o) ? o : throw new InvalidDataException($"counter for unknown track {ts[j]}"), cs[j]))
                        model._rows.Of[row].Held++;
            }
            var users = r.ReadInt32();
            for (var i = 0; i < users; i++)
            {
                var user = r.ReadString();
                var window = new UserWindow(options.UserWindow);
                var n = r.ReadInt32();
                for (var j = 0; j < n; j++) window.Push(model.RowOf(r.ReadInt32()));
                model._users[user] = window;
            }
            return model;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the co-listening snapshot ends early");
        }
    }

    /// <summary>
    /// One track's counters: an open-addressing table of (neighbour row, co-occurrences) in its slice of
    /// <see cref="Rows.Counters"/>, sized for <see cref="CoListeningOptions.PruneAt"/> entries. An update touches a
    /// cache line or two, where a dictionary's buckets and entries were three objects apart (the model's updates were
    /// mostly those misses). Each entry is one 64-bit word, written whole, so a reader never pairs one neighbour with
    /// another's count.
    /// </summary>
    private readonly struct NeighbourCounts(long[] counters, int offset, int mask)
    {
        /// <summary>Slots per table: at most pruneAt - 1 entries stay between prunes, so a third more always has free slots.</summary>
        public static int SlotsFor(int pruneAt) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(pruneAt + pruneAt / 3 + 1));

        public int Capacity => mask + 1;

        /// <summary>The neighbour row in <paramref name="slot"/> (-1: empty) and its count, read as one word.</summary>
        public (int Row, int Count) At(int slot)
        {
            var entry = Volatile.Read(ref counters[offset + slot]);
            return ((int)(uint)entry - 1, (int)(entry >> 32));
        }

        /// <summary>Adds one to the counter of <paramref name="row"/>; true when that made a new entry.</summary>
        public bool Increment(int row)
        {
            ref var entry = ref Find(row);
            var added = entry == 0;
            Volatile.Write(ref entry, (added ? (uint)(row + 1) : entry) + (1L << 32));
            return added;
        }

        public int Get(int row) => (int)(Volatile.Read(ref Find(row)) >> 32);

        /// <summary>Sets the counter of <paramref name="row"/>; true when that made a new entry.</summary>
        public bool Set(int row, int count)
        {
            ref var entry = ref Find(row);
            var added = entry == 0;
            Volatile.Write(ref entry, ((long)count << 32) | (uint)(row + 1));
            return added;
        }

        public void Clear()
        {
            // Word by word, so a reader sees each entry either whole or empty.
            for (var i = 0; i < Capacity; i++) Volatile.Write(ref counters[offset + i], 0);
        }

        public IEnumerable<(int Row, int Count)> Entries()
        {
            for (var slot = 0; slot < Capacity; slot++)
                if (At(slot) is { Row: >= 0 } entry) yield return entry;
        }

        /// <summary>The entry of <paramref name="row"/>, or the empty one where it would go (linear probing).</summary>
        private ref long Find(int row)
        {
            // Fibonacci hashing: rows are dense small numbers, and neighbouring rows should not share a probe run.
            for (var i = (int)((uint)row * 2654435769u >> 16) & mask; ; i = (i + 1) & mask)
            {
                ref var entry = ref counters[offset + i];
                if (entry == 0 || (uint)entry == (uint)(row + 1)) return ref entry;
            }
        }
    }

    /// <summary>A listener's last distinct positive tracks (rows), a ring buffer.</summary>
    private sealed class UserWindow(int capacity)
    {
        private readonly int[] _rows = new int[capacity];
        private int _count, _next;

        public int Count => _count;

        public int OldestFirstAt(int i) => _rows[((_count < _rows.Length ? 0 : _next) + i) % _rows.Length];

        public bool Contains(int row) => _rows.AsSpan(0, _count).Contains(row);

        public void Push(int row)
        {
            _rows[_next] = row;
            _next = (_next + 1) % _rows.Length;
            if (_count < _rows.Length) _count++;
        }

        public IEnumerable<int> OldestFirst()
        {
            for (var i = 0; i < _count; i++) yield return OldestFirstAt(i);
        }
    }
}

/// <summary>Dunning's log-likelihood ratio on a 2x2 contingency table (Accurate Methods for the Statistics of Surprise and Coincidence, 1993).</summary>
public static class LogLikelihood
{
    /// <summary>G² of the table [k11 k12; k21 k22].</summary>
    public static double Ratio(long k11, long k12, long k21, long k22)
    {
        var row = Entropy(k11 + k12, k21 + k22);
        var column = Entropy(k11 + k21, k12 + k22);
        var matrix = Entropy(k11, k12, k21, k22);
        return row + column < matrix ? 0 : 2 * (row + column - matrix); // rounding can make it a hair negative
    }

    /// <summary>
    /// G² for tracks A and B heard together <paramref name="k11"/> times, A <paramref name="nA"/> times, B <paramref name="nB"/>
    /// times out of <paramref name="total"/>; 0 when they co-occur no more than chance (only attraction is a reason to suggest).
    /// </summary>
    public static double PositiveRatio(long k11, long nA, long nB, long total)
    {
        var k12 = Math.Max(nA - k11, 0);
        var k21 = Math.Max(nB - k11, 0);
        var k22 = Math.Max(total - k11 - k12 - k21, 0);
        // Below expectation (k11/nA <= k21/(rest)) is avoidance, not similarity.
        if ((double)k11 * (k21 + k22) <= (double)k21 * (k11 + k12)) return 0;
        return Ratio(k11, k12, k21, k22);
    }

    private static double XLogX(long x) => x == 0 ? 0 : x * Math.Log(x);

    private static double Entropy(long a, long b) => XLogX(a + b) - XLogX(a) - XLogX(b);

    private static double Entropy(long a, long b, long c, long d) => XLogX(a + b + c + d) - XLogX(a) - XLogX(b) - XLogX(c) - XLogX(d);
}
