using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MusicRec.Recommendation;

/// <summary>
/// Hierarchical navigable small world (HNSW, Malkov and Yashunin 2016) graph over an index's normalised rows for
/// large catalogues. Every row is a node; layer 0 links each node to up to 2M near rows, and a geometrically
/// thinning set of nodes also sits on upper layers with up to M links, so a query walks greedily down from the top
/// and then runs a beam search (width ef) on layer 0. A query scores a few thousand rows instead of scanning a third
/// of the catalogue as the inverted file does.
/// Built single-threaded with a fixed seed (levels and insertion order), so a rebuild gives the same graph and the
/// same answers. Adjacency is flat int arrays; the row vectors are shared with <see cref="SimilarityIndex"/>.
/// Immutable after <see cref="Build"/>; queries from many threads use per-thread scratch space.
/// </summary>
internal sealed class HnswIndex
{
    private const int MaxLevel = 16;
    /// <summary>Upper bound on M, so the scratch arrays (2M + 1 candidates) have a fixed size.</summary>
    public const int MaxLinks = 100;
    private const int Seed = 20_26;

    private readonly float[] _vectors;      // Count x _stride, row-major (the index's own array)
    private readonly int[] _trackIds;
    private readonly int _stride;
    private readonly int _links;            // M: links per node on the upper layers
    private readonly int _links0;           // 2M: links per node on layer 0
    private readonly int[] _layer0;         // Count x (_links0 + 1): [link count, links...]
    private readonly int[] _upperStart;     // node -> first of its upper-layer blocks in _upper (-1: layer 0 only)
    private readonly int[] _upper;          // per upper node, one block of (_links + 1) per layer 1..level
    private readonly byte[] _levels;
    private int _entry;
    private int _topLevel;

    private HnswIndex(float[] vectors, int[] trackIds, int stride, int links, int buildBeam, int searchBeam, byte[] levels)
    {
        _vectors = vectors;
        _trackIds = trackIds;
        _stride = stride;
        _links = links;
        _links0 = 2 * links;
        BuildBeam = buildBeam;
        SearchBeam = searchBeam;
        _levels = levels;
        var count = trackIds.Length;
        _layer0 = new int[count * (_links0 + 1)];
        _upperStart = new int[count];
        var upperSize = 0;
        for (var n = 0; n < count; n++)
        {
            _upperStart[n] = levels[n] == 0 ? -1 : upperSize;
            upperSize += levels[n] * (_links + 1);
        }
        _upper = new int[upperSize];
        _entry = -1;
    }

    /// <summary>M: links per node on the upper layers (twice as many on layer 0).</summary>
    public int Links => _links;
    /// <summary>Beam width while inserting (efConstruction).</summary>
    public int BuildBeam { get; }
    /// <summary>Beam width of a query on layer 0 (ef); widened when exclusions leave too few hits.</summary>
    public int SearchBeam { get; }

    /// <summary>Links every row (normalised, <paramref name="stride"/> apart) into the graph.</summary>
    public static HnswIndex Build(float[] vectors, int[] trackIds, int stride, int links, int buildBeam, int searchBeam)
    {
        links = Math.Clamp(links, 2, MaxLinks);
        var count = trackIds.Length;
        var random = new Random(Seed);
        // Level l holds about 1/M^l of the nodes (the paper's mL = 1/ln M).
        var levelScale = 1 / Math.Log(links);
        var levels = new byte[count];
        for (var n = 0; n < count; n++)
            levels[n] = (byte)Math.Min(MaxLevel, (int)(-Math.Log(1 - random.NextDouble()) * levelScale));
        // Inserting in a shuffled order keeps the early graph (the long-range links) spread over the whole catalogue
        // even when track ids follow genre or upload order.
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        random.Shuffle(order);

        var graph = new HnswIndex(vectors, trackIds, stride, links, Math.Max(buildBeam, links), Math.Max(1, searchBeam), levels);
        var scratch = new Scratch(count);
        foreach (var n in order) graph.Insert(n, scratch);
        return graph;
    }

    /// <summary>
    /// Fills <paramref name="best"/> (length k) with the best rows that are not excluded, best first, ties to the lower
    /// track id; returns how many were found. Fewer than k means the graph could not answer with confidence (too much
    /// of the neighbourhood excluded even with a widened beam) and the caller should scan exactly.
    /// </summary>
    public int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded) =>
        TopK(query, best, isExcluded, SearchBeam);

    /// <summary>Rows scored by queries on this thread (diagnostics for the benchmarks).</summary>
    [ThreadStatic] internal static long ScoredRows;

    /// <summary><see cref="TopK(ReadOnlySpan{float}, Span{ScoredTrack}, Func{int, bool}?)"/> with another beam (tuning).</summary>
    internal int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded, int searchBeam)
    {
        var k = best.Length;
        var scratch = Scratch.For(_trackIds.Length);
        ref var q = ref MemoryMarshal.GetReference(query);
        var entry = _entry;
        var entryScore = Score(ref q, entry);
        for (var level = _topLevel; level > 0; level--) (entry, entryScore) = Greedy(ref q, entry, entryScore, level);

        for (var beam = Math.Max(searchBeam, k); ; beam *= 4)
        {
            var count = Search(ref q, entry, entryScore, beam, 0, scratch, best, isExcluded, out var beamSize);
            // The beam holds the `beam` nearest rows seen; when at least k of them are allowed, the hits are as good as
            // an unfiltered search. Otherwise the allowed rows lie beyond the explored neighbourhood: widen the beam.
            if (beamSize < beam) return count;   // the whole reachable graph was seen
            if (count == k && best[k - 1].Score >= scratch.Beam[beamSize - 1].Score) return count;
            if (beam * 4 > _trackIds.Length / 8) return 0;   // a beam that wide costs as much as the exact scan
        }
    }

    private void Insert(int node, Scratch scratch)
    {
        var level = (int)_levels[node];
        if (_entry < 0)
        {
            _entry = node;
            _topLevel = level;
            return;
        }
        ref var q = ref Row(node);
        var entry = _entry;
        var entryScore = Score(ref q, entry);
        for (var l = _topLevel; l > level; l--) (entry, entryScore) = Greedy(ref q, entry, entryScore, l);
        for (var l = Math.Min(level, _topLevel); l >= 0; l--)
        {
            Search(ref q, entry, entryScore, BuildBeam, l, scratch, [], null, out var size);
            var found = scratch.Beam.AsSpan(0, size);
            for (var i = 0; i < size; i++) found[i] = new Candidate(found[i].Score, found[i].Node & NodeMask);
            // found is best first; the nearest is the next layer's entry.
            entry = found[0].Node;
            entryScore = found[0].Score;
            var chosen = scratch.Chosen;
            var n = SelectNeighbours(found, _links, chosen);
            var own = LinksOf(node, l);
            own[0] = n;
            for (var i = 0; i < n; i++) own[1 + i] = chosen[i].Node;
            for (var i = 0; i < n; i++) LinkBack(chosen[i].Node, node, chosen[i].Score, l, scratch);
        }
        if (level > _topLevel)
        {
            _entry = node;
            _topLevel = level;
        }
    }

    /// <summary>Adds <paramref name="node"/> to <paramref name="target"/>'s links; a full list is re-chosen by the heuristic.</summary>
    private void LinkBack(int target, int node, float score, int level, Scratch scratch)
    {
        var links = LinksOf(target, level);
        var max = level == 0 ? _links0 : _links;
        var n = links[0];
        if (n < max)
        {
            links[1 + n] = node;
            links[0] = n + 1;
            return;
        }
        ref var t = ref Row(target);
        var candidates = scratch.Prune;
        candidates[0] = new Candidate(score, node);
        for (var i = 0; i < n; i++) candidates[1 + i] = new Candidate(Score(ref t, links[1 + i]), links[1 + i]);
        var all = candidates.AsSpan(0, n + 1);
        // Insertion sort, best first (ties: lower node): a few dozen items.
        for (var i = 1; i < all.Length; i++)
        {
            var c = all[i];
            var j = i;
            while (j > 0 && (all[j - 1].Score < c.Score || (all[j - 1].Score == c.Score && all[j - 1].Node > c.Node)))
            {
                all[j] = all[j - 1];
                j--;
            }
            all[j] = c;
        }
        var keptLinks = scratch.Kept;
        var kept = SelectNeighbours(all, max, keptLinks);
        links[0] = kept;
        for (var i = 0; i < kept; i++) links[1 + i] = keptLinks[i].Node;
    }

    /// <summary>
    /// The paper's neighbour heuristic: take candidates best first, skipping one that is closer to an already chosen
    /// neighbour than to the base node. Links then point in diverse directions, which keeps clustered catalogues
    /// connected (plain nearest-M links would stay inside a cluster).
    /// </summary>
    private int SelectNeighbours(ReadOnlySpan<Candidate> bestFirst, int max, Candidate[] chosen)
    {
        var n = 0;
        foreach (var c in bestFirst)
        {
            if (n >= max) break;
            ref var row = ref Row(c.Node);
            var diverse = true;
            for (var i = 0; i < n; i++)
            {
                if (Score(ref row, chosen[i].Node) > c.Score) { diverse = false; break; }
            }
            if (diverse) chosen[n++] = c;
        }
        return n;
    }

    /// <summary>Walks to the neighbour most similar to the query until no neighbour improves (upper layers).</summary>
    private (int Node, float Score) Greedy(ref float q, int node, float score, int level)
    {
        for (var improved = true; improved;)
        {
            improved = false;
            var links = LinksOf(node, level);
            var n = links[0];
            for (var i = 1; i <= n; i++)
            {
                var s = Score(ref q, links[i]);
                if (s > score) { score = s; node = links[i]; improved = true; }
            }
        }
        return (node, score);
    }

    /// <summary>
    /// Beam search on one layer (the paper's SEARCH-LAYER with ef = <paramref name="beam"/>), kept as one array sorted
    /// best first: the first unexpanded entry is expanded next, and the search ends when every entry is expanded. A
    /// sorted array has far fewer unpredictable branches than the usual pair of heaps. Leaves the beam in
    /// <c>scratch.Beam</c> (expanded entries carry <see cref="Expanded"/> in the node). With a non-empty
    /// <paramref name="best"/>, every scored row that would enter the top-k is offered there; excluded rows still
    /// guide the walk (often the user's own tracks, right where the answer is), and the exclusion test runs only for
    /// rows that would enter the top-k: a few dozen per query, not one per scored row.
    /// </summary>
    private int Search(ref float q, int entry, float entryScore, int beam, int level, Scratch scratch, Span<ScoredTrack> best,
        Func<int, bool>? isExcluded, out int size)
    {
        var visit = scratch.NextVisit();
        var visited = scratch.Visited;
        scratch.EnsureBeam(beam + 1);
        var pool = scratch.Beam;
        var unseen = scratch.Unseen;
        var unseenScores = scratch.UnseenScores;
        ref var vectors = ref MemoryMarshal.GetArrayDataReference(_vectors);
        var tracking = best.Length > 0;
        var count = 0;
        visited[entry] = visit;
        pool[0] = new Candidate(entryScore, entry);
        size = 1;
        if (tracking) count = Offer(best, 0, entry, entryScore, isExcluded);
        var scored = 1;
        var next = 0;
        while (next < size)
        {
            var node = pool[next].Node;
            pool[next] = new Candidate(pool[next].Score, node | Expanded);
            var links = LinksOf(node, level);
            var n = links[0];
            // Gather the unvisited neighbours and prefetch their rows before scoring: the rows are scattered over
            // megabytes, so overlapping the memory loads matters more than the arithmetic.
            var u = 0;
            for (var i = 1; i <= n; i++)
            {
                var m = links[i];
                if (visited[m] == visit) continue;
                visited[m] = visit;
                unseen[u++] = m;
                if (Sse.IsSupported)
                    unsafe { Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref vectors, m * _stride))); }
            }
            for (var i = 0; i < u; i++)
                unseenScores[i] = SimilarityIndex.Dot(ref Unsafe.Add(ref vectors, unseen[i] * _stride), ref q, _stride);
            scored += u;

            var lowestInsert = int.MaxValue;
            for (var i = 0; i < u; i++)
            {
                var s = unseenScores[i];
                if (tracking) count = Offer(best, count, unseen[i], s, isExcluded);
                if (size == beam && !(s > pool[size - 1].Score)) continue;   // also drops NaN
                // Binary search for the first entry scoring below s (equal scores keep arrival order).
                int lo = 0, hi = size;
                while (lo < hi)
                {
                    var mid = (lo + hi) >> 1;
                    if (pool[mid].Score >= s) lo = mid + 1; else hi = mid;
                }
                var moved = size < beam ? size - lo : size - 1 - lo;
                if (moved > 0) Array.Copy(pool, lo, pool, lo + 1, moved);
                pool[lo] = new Candidate(s, unseen[i]);
                if (size < beam) size++;
                if (lo < lowestInsert) lowestInsert = lo;
            }
            // Everything before `next` is expanded; a new entry before it is the next to expand.
            if (lowestInsert < next) next = lowestInsert;
            while (next < size && (pool[next].Node & Expanded) != 0) next++;
        }
        ScoredRows += scored;
        return count;
    }

    /// <summary>Inserts the row into the sorted top-k if it beats the k-th and is not excluded (the test runs last).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Offer(Span<ScoredTrack> best, int count, int row, float s, Func<int, bool>? isExcluded)
    {
        var k = best.Length;
        if (count == k && !(s >= best[k - 1].Score)) return count;   // the usual case, decided before touching the id
        var id = _trackIds[row];
        if (count == k && s == best[k - 1].Score && id > best[k - 1].TrackId) return count;
        if (float.IsNaN(s) || (isExcluded is not null && isExcluded(id))) return count;
        var pos = count < k ? count : k - 1;
        while (pos > 0 && (best[pos - 1].Score < s || (best[pos - 1].Score == s && best[pos - 1].TrackId > id)))
        {
            best[pos] = best[pos - 1];
            pos--;
        }
        best[pos] = new ScoredTrack(id, s);
        return count < k ? count + 1 : count;
    }

    private Span<int> LinksOf(int node, int level) => level == 0
        ? _layer0.AsSpan(node * (_links0 + 1), _links0 + 1)
        : _upper.AsSpan(_upperStart[node] + (level - 1) * (_links + 1), _links + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref float Row(int node) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vectors), node * _stride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Score(ref float q, int node) => SimilarityIndex.Dot(ref Row(node), ref q, _stride);

    private readonly record struct Candidate(float Score, int Node);

    /// <summary>Marks a beam entry as expanded (node numbers are non-negative).</summary>
    private const int Expanded = int.MinValue;
    private const int NodeMask = int.MaxValue;

    /// <summary>Per-thread working memory of a search: visit marks (a generation number per node) and the beam.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? _current;
        private int _visit;

        public Scratch(int count) => Visited = new int[count];

        public int[] Visited { get; private set; }
        /// <summary>The beam of the last search, best first.</summary>
        public Candidate[] Beam { get; private set; } = new Candidate[256];
        public float[] UnseenScores { get; } = new float[256];
        public Candidate[] Chosen { get; } = new Candidate[256];
        public Candidate[] Kept { get; } = new Candidate[256];
        public Candidate[] Prune { get; } = new Candidate[256];
        public int[] Unseen { get; } = new int[256];

        public static Scratch For(int count)
        {
            var s = _current;
            if (s is null || s.Visited.Length < count) _current = s = new Scratch(count);
            return s;
        }

        public int NextVisit()
        {
            if (++_visit == int.MaxValue)
            {
                Array.Clear(Visited);
                _visit = 1;
            }
            return _visit;
        }

        public void EnsureBeam(int n)
        {
            if (Beam.Length < n) Beam = new Candidate[n];
        }
    }
}
