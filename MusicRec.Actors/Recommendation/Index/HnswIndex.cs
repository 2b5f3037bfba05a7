using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MusicRec.Recommendation;

/// <summary>
/// Hierarchical navigable small world (HNSW, Malkov and Yashunin 2016) graph over an index's normalised rows for
/// large catalogues. Every row is a node; layer 0 links each node to up to 2M near rows, and a geometrically
/// thinning set of nodes also sits on upper layers with up to M links, so a query walks greedily down from the top
/// and then runs a beam search (width ef) on layer 0, scoring a few thousand rows instead of a third of the catalogue.
/// <para>
/// Built on the exact float rows with a fixed seed (levels and insertion order) and a fixed batch schedule (searches
/// of a batch run in parallel, links are made in order), so a rebuild gives the same graph and the same answers on
/// any number of cores. Then frozen for queries: nodes are renumbered in breadth-first order (linked nodes
/// sit close in memory) and the walk scores 8-bit codes of the rows (32 bytes a row, not 128: a query touches
/// thousands of scattered rows, so memory traffic, not arithmetic, sets its cost); the beam's best are re-ranked by
/// their exact float cosine. Adjacency is flat int arrays. Immutable once built; queries from many threads use
/// per-thread scratch space.
/// </para>
/// </summary>
internal sealed class HnswIndex
{
    private const int MaxLevel = 16;
    /// <summary>Upper bound on M, so the scratch arrays (2M + 1 candidates) have a fixed size.</summary>
    public const int MaxLinks = 100;
    private const int Seed = 20_26;
    /// <summary>Beam entries re-ranked by exact cosine (at least; 2k or the whole beam when larger).</summary>
    private const int Rerank = 16;

    private readonly float[] _vectors;      // Count x _stride, row-major (the index's own array)
    private readonly int[] _trackIds;       // by row
    private readonly int _stride;
    private readonly int _links;            // M: links per node on the upper layers
    private readonly int _links0;           // 2M: links per node on layer 0
    private int[] _layer0;                  // Count x (_links0 + 1): [link count, links...]
    private int[] _upperStart;              // node -> first of its upper-layer blocks in _upper (-1: layer 0 only)
    private int[] _upper;                   // per upper node, one block of (_links + 1) per layer 1..level
    private byte[] _levels;
    private int _entry;
    private int _topLevel;
    // Frozen layout (after Build): node -> row, 8-bit codes by node (64-byte aligned), per-dimension code scale.
    private int[] _rowOfNode = [];
    private sbyte[] _codes = [];
    private int _codesOffset;
    private float[] _codeScale = [];
    // Frozen layer 0: 2M links per node in a 64-byte aligned block (2 cache lines for M = 16), degrees apart.
    private int[] _frozen0 = [];
    private int _frozen0Offset;
    private byte[] _degree0 = [];
    private readonly int _codeStride;

    private HnswIndex(float[] vectors, int[] trackIds, int stride, int links, int buildBeam, int searchBeam, byte[] levels)
    {
        _vectors = vectors;
        _trackIds = trackIds;
        _stride = stride;
        _codeStride = (stride + 15) / 16 * 16;
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

    public string Description => $"HNSW graph (M {Links}, build beam {BuildBeam}, query beam {SearchBeam}, exact fallback)";


    /// <summary>Links every row (normalised, <paramref name="stride"/> apart) into the graph, then freezes it for queries.</summary>
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
        // Nodes go in by batches: every node of a batch searches the graph as it stood before the batch (in parallel,
        // read-only), then they are linked one after another in insertion order, each also considering the batch's
        // earlier nodes. The batch sizes depend only on the count, so the graph is the same on any number of cores.
        // Batches stay under 2% of the graph, so a node rarely misses a link a strictly sequential build would give it.
        var merge = new Candidate[graph.BuildBeam + MaxBatch];
        var found = new Candidate[MaxBatch][][];
        for (var inserted = 0; inserted < count;)
        {
            var batch = Math.Min(Math.Clamp(inserted / 50, 1, MaxBatch), count - inserted);
            var start = inserted;
            if (batch == 1) found[0] = graph.FindCandidates(order[start]);
            else Parallel.For(0, batch, i => found[i] = graph.FindCandidates(order[start + i]));
            for (var i = 0; i < batch; i++) graph.Link(order[start + i], found[i], order.AsSpan(start, i), merge);
            inserted += batch;
        }
        graph.Freeze();
        return graph;
    }

    private const int MaxBatch = 256;

    /// <summary>
    /// Fills <paramref name="best"/> (length k) with the best rows that are not excluded, best first, ties to the lower
    /// track id; returns how many were found. Fewer than k means the graph could not answer with confidence (too much
    /// of the neighbourhood excluded even with a widened beam) and the caller should scan exactly.
    /// </summary>
    public int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded, int? searchBeam) =>
        TopK(query, best, isExcluded, searchBeam ?? SearchBeam);

    /// <summary><see cref="TopK(ReadOnlySpan{float}, Span{ScoredTrack}, Func{int, bool}?, int?)"/> with a given beam.</summary>
    internal int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded, int searchBeam)
    {
        var k = best.Length;
        var scratch = Scratch.For(_trackIds.Length, _stride, _codeStride);
        query.CopyTo(scratch.Query);
        if (!EncodeQuery(query, scratch.QueryCodes)) return 0;
        var scorer = new CodeScorer(_codes, _codesOffset, scratch.QueryCodes, _codeStride);
        var entry = _entry;
        var entryScore = scorer.Score(entry);
        for (var level = _topLevel; level > 0; level--) (entry, entryScore) = Greedy(scorer, entry, entryScore, level);

        for (var beam = Math.Max(searchBeam, k); ; beam *= 4)
        {
            Search(scorer, entry, entryScore, beam, 0, scratch, out var size);
            // Exact cosine for the whole beam, then the first k there that are not excluded; only when exclusions
            // leave fewer than k in the beam is it widened fourfold (searched again from the top). A user with a long
            // history excludes much around the taste profile: widening sooner made most of their queries pay for a
            // 4x beam (docs/benchmarks.md, "Why the defaults").
            var count = Pick(scratch, Math.Min(size, Math.Max(Math.Max(Rerank, 2 * k), beam)), best, isExcluded);
            if (count == k) return count;
            if (size < beam) return Pick(scratch, size, best, isExcluded);   // the whole reachable graph was seen
            if (beam * 4 > _trackIds.Length / 8) return 0;   // a beam that wide costs as much as the exact scan
        }
    }

    /// <summary>Re-ranks the first <paramref name="n"/> beam entries by exact cosine and keeps the best k allowed ones.</summary>
    private int Pick(Scratch scratch, int n, Span<ScoredTrack> best, Func<int, bool>? isExcluded)
    {
        var exact = scratch.EnsureExact(n);
        var rows = scratch.Rows;
        ref var q = ref MemoryMarshal.GetArrayDataReference(scratch.Query);
        // The rows are scattered over the catalogue: request them all before scoring any.
        for (var i = 0; i < n; i++)
        {
            var row = rows[i] = _rowOfNode[scratch.Beam[i].Node & NodeMask];
            if (Sse.IsSupported)
                unsafe
                {
                    Sse.Prefetch0(Unsafe.AsPointer(ref Row(row)));
                    if (_stride > 16) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref Row(row), 16)));
                }
        }
        for (var i = 0; i < n; i++)
            exact[i] = new ScoredTrack(_trackIds[rows[i]], SimilarityIndex.Dot(ref Row(rows[i]), ref q, _stride));
        var hits = exact.AsSpan(0, n);
        // Best first, ties to the lower track id (as the exact scan).
        SortBestFirst(hits);
        var count = 0;
        foreach (var h in hits)
        {
            if (count == best.Length) break;
            if (float.IsNaN(h.Score) || (isExcluded is not null && isExcluded(h.TrackId))) continue;
            best[count++] = h;
        }
        return count;
    }

    /// <summary>
    /// The query in the codes' scale as 16-bit integers: dimension d of a code stands for code × scale[d], so the
    /// query carries scale[d] and the integer dot product is proportional to the cosine.
    /// </summary>
    private bool EncodeQuery(ReadOnlySpan<float> query, short[] codes)
    {
        var max = 0f;
        for (var d = 0; d < _stride; d++) max = Math.Max(max, Math.Abs(query[d] * _codeScale[d]));
        if (!(max > 0) || !float.IsFinite(max)) return false;
        var factor = short.MaxValue / max;
        for (var d = 0; d < _stride; d++) codes[d] = (short)Math.Round(query[d] * _codeScale[d] * factor);
        return true;
    }

    /// <summary>
    /// The search half of an insertion (the paper's INSERT up to choosing neighbours): for each layer the node will
    /// sit on and the graph already has, the beam of nearest nodes, best first. Reads the graph only.
    /// </summary>
    private Candidate[][] FindCandidates(int node)
    {
        var level = (int)_levels[node];
        var layers = new Candidate[level + 1][];
        if (_entry < 0) return layers;
        var scratch = Scratch.For(_trackIds.Length, _stride, _codeStride);
        _vectors.AsSpan(node * _stride, _stride).CopyTo(scratch.Query);
        var scorer = new FloatScorer(_vectors, scratch.Query, _stride);
        var entry = _entry;
        var entryScore = scorer.Score(entry);
        for (var l = _topLevel; l > level; l--) (entry, entryScore) = Greedy(scorer, entry, entryScore, l);
        for (var l = Math.Min(level, _topLevel); l >= 0; l--)
        {
            Search(scorer, entry, entryScore, BuildBeam, l, scratch, out var size);
            var beam = layers[l] = new Candidate[size];
            for (var i = 0; i < size; i++) beam[i] = new Candidate(scratch.Beam[i].Score, scratch.Beam[i].Node & NodeMask);
            // The nearest is the next layer's entry.
            entry = beam[0].Node;
            entryScore = beam[0].Score;
        }
        return layers;
    }

    /// <summary>
    /// The linking half of an insertion: on each of the node's layers, chooses its neighbours among the searched
    /// candidates and the batch's earlier nodes (<paramref name="earlier"/>, invisible to that search), and links back.
    /// </summary>
    private void Link(int node, Candidate[][] layers, ReadOnlySpan<int> earlier, Candidate[] merge)
    {
        var level = (int)_levels[node];
        if (_entry < 0)
        {
            _entry = node;
            _topLevel = level;
            return;
        }
        var scratch = Scratch.For(_trackIds.Length, _stride, _codeStride);
        ref var q = ref Row(node);
        for (var l = level; l >= 0; l--)
        {
            var n = 0;
            if (layers[l] is { } searched)
                foreach (var c in searched) merge[n++] = c;
            foreach (var e in earlier)
                if (_levels[e] >= l) merge[n++] = new Candidate(SimilarityIndex.Dot(ref q, ref Row(e), _stride), e);
            if (n == 0) continue;
            var all = merge.AsSpan(0, n);
            if (earlier.Length > 0) SortBestFirst(all);
            var chosen = scratch.Chosen;
            var kept = SelectNeighbours(all, _links, chosen);
            var own = LinksOf(node, l);
            own[0] = kept;
            for (var i = 0; i < kept; i++) own[1 + i] = chosen[i].Node;
            for (var i = 0; i < kept; i++) LinkBack(chosen[i].Node, node, chosen[i].Score, l, scratch);
        }
        if (level > _topLevel)
        {
            _entry = node;
            _topLevel = level;
        }
    }

    /// <summary>
    /// Insertion sort, best first (ties: lower id): a few dozen to a few hundred items, mostly in order. Generic over
    /// the two structs it sorts (compiled for each, so no interface call in the loop).
    /// </summary>
    private static void SortBestFirst<T>(Span<T> all) where T : struct, IRanked
    {
        for (var i = 1; i < all.Length; i++)
        {
            var c = all[i];
            var j = i;
            while (j > 0 && (all[j - 1].Score < c.Score || (all[j - 1].Score == c.Score && all[j - 1].RankId > c.RankId)))
            {
                all[j] = all[j - 1];
                j--;
            }
            all[j] = c;
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
        for (var i = 0; i < n; i++) candidates[1 + i] = new Candidate(SimilarityIndex.Dot(ref t, ref Row(links[1 + i]), _stride), links[1 + i]);
        var all = candidates.AsSpan(0, n + 1);
        SortBestFirst(all);
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
                if (SimilarityIndex.Dot(ref row, ref Row(chosen[i].Node), _stride) > c.Score) { diverse = false; break; }
            }
            if (diverse) chosen[n++] = c;
        }
        return n;
    }

    /// <summary>
    /// Renumbers the nodes breadth-first from the entry over layer 0, so a node's links point mostly to nearby
    /// memory, and stores each row's 8-bit code (per-dimension scale: the largest magnitude maps to 127) in that order.
    /// </summary>
    private void Freeze()
    {
        var count = _trackIds.Length;
        var nodeOfRow = new int[count];
        Array.Fill(nodeOfRow, -1);
        var rowOfNode = new int[count];
        var placed = 0;
        var stride1 = _links0 + 1;
        void Place(int row)
        {
            nodeOfRow[row] = placed;
            rowOfNode[placed++] = row;
        }
        Place(_entry);
        for (var head = 0; head < placed || placed < count; head++)
        {
            if (head == placed)
            {
                // A part the walk from the entry cannot reach (rare): continue from the first unplaced row.
                var r = 0;
                while (nodeOfRow[r] >= 0) r++;
                Place(r);
            }
            var row = rowOfNode[head];
            var n = _layer0[row * stride1];
            for (var i = 1; i <= n; i++)
            {
                var m = _layer0[row * stride1 + i];
                if (nodeOfRow[m] < 0) Place(m);
            }
        }

        var layer0 = new int[_layer0.Length];
        var upperStart = new int[count];
        var upper = new int[_upper.Length];
        var levels = new byte[count];
        var upperSize = 0;
        for (var node = 0; node < count; node++)
        {
            var row = rowOfNode[node];
            var n = _layer0[row * stride1];
            layer0[node * stride1] = n;
            for (var i = 1; i <= n; i++) layer0[node * stride1 + i] = nodeOfRow[_layer0[row * stride1 + i]];
            levels[node] = _levels[row];
            upperStart[node] = _levels[row] == 0 ? -1 : upperSize;
            for (var l = 0; l < _levels[row]; l++)
            {
                var from = _upperStart[row] + l * (_links + 1);
                var to = upperSize + l * (_links + 1);
                upper[to] = _upper[from];
                for (var i = 1; i <= _upper[from]; i++) upper[to + i] = nodeOfRow[_upper[from + i]];
            }
            upperSize += _levels[row] * (_links + 1);
        }

        var scale = new float[_codeStride];
        for (var row = 0; row < count; row++)
            for (var d = 0; d < _stride; d++)
                scale[d] = Math.Max(scale[d], Math.Abs(_vectors[row * _stride + d]));
        for (var d = 0; d < _codeStride; d++) scale[d] = scale[d] > 0 ? scale[d] / 127 : 0;
        // Pinned and cache-line aligned, so a 32-byte code never straddles two lines.
        var codes = GC.AllocateArray<sbyte>(count * _codeStride + 64, pinned: true);
        var codesOffset = AlignedOffset(ref codes[0], 1);
        for (var node = 0; node < count; node++)
        {
            var row = rowOfNode[node];
            for (var d = 0; d < _stride; d++)
                if (scale[d] > 0)
                    codes[codesOffset + node * _codeStride + d] = (sbyte)Math.Clamp(Math.Round(_vectors[row * _stride + d] / scale[d]), -127, 127);
        }
        var frozen0 = GC.AllocateArray<int>(count * _links0 + 16, pinned: true);
        var frozen0Offset = AlignedOffset(ref frozen0[0], sizeof(int));
        var degree0 = new byte[count];
        for (var node = 0; node < count; node++)
        {
            var n = layer0[node * stride1];
            degree0[node] = (byte)n;
            Array.Copy(layer0, node * stride1 + 1, frozen0, frozen0Offset + node * _links0, n);
        }

        _layer0 = [];
        _frozen0 = frozen0;
        _frozen0Offset = frozen0Offset;
        _degree0 = degree0;
        _codesOffset = codesOffset;
        _upperStart = upperStart;
        _upper = upper;
        _levels = levels;
        _entry = nodeOfRow[_entry];
        _rowOfNode = rowOfNode;
        _codes = codes;
        _codeScale = scale;
    }

    /// <summary>Walks to the neighbour most similar to the query until no neighbour improves (upper layers).</summary>
    private (int Node, float Score) Greedy<TScorer>(TScorer scorer, int node, float score, int level) where TScorer : struct, IScorer
    {
        for (var improved = true; improved;)
        {
            improved = false;
            var links = LinksOf(node, level);
            var n = links[0];
            for (var i = 1; i <= n; i++)
            {
                var s = scorer.Score(links[i]);
                if (s > score) { score = s; node = links[i]; improved = true; }
            }
        }
        return (node, score);
    }

    /// <summary>
    /// Beam search on one layer (the paper's SEARCH-LAYER with ef = <paramref name="beam"/>), kept as one array sorted
    /// best first: the first unexpanded entry is expanded next, and the search ends when every entry is expanded. A
    /// sorted array has far fewer unpredictable branches than the usual pair of heaps. Leaves the beam in
    /// <c>scratch.Beam</c> (expanded entries carry <see cref="Expanded"/> in the node).
    /// </summary>
    private void Search<TScorer>(TScorer scorer, int entry, float entryScore, int beam, int level, Scratch scratch, out int size)
        where TScorer : struct, IScorer
    {
        // A bit per node (12.5 KB for 100,000 tracks): stays in L1 where a per-node stamp array would not.
        var visited = scratch.Visited;
        Array.Clear(visited);
        scratch.EnsureBeam(beam + 1);
        var pool = scratch.Beam;
        var unseen = scratch.Unseen;
        var unseenScores = scratch.UnseenScores;
        visited[entry >> 6] |= 1UL << entry;
        pool[0] = new Candidate(entryScore, entry);
        size = 1;
        var next = 0;
        while (next < size)
        {
            var node = pool[next].Node;
            pool[next] = new Candidate(pool[next].Score, node | Expanded);
            ref var links = ref Neighbours(node, level, out var n);
            // The next entries are likely the next to expand: fetch their links while this one is scored.
            if (Sse.IsSupported)
                for (var ahead = next + 1; ahead < size && ahead <= next + 2; ahead++)
                {
                    ref var following = ref Neighbours(pool[ahead].Node & NodeMask, level, out var m);
                    unsafe
                    {
                        Sse.Prefetch0(Unsafe.AsPointer(ref following));
                        if (m > 16) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref following, 16)));
                    }
                }
            // Gather the unvisited neighbours without a branch per link (seen or not is a coin toss for the branch
            // predictor), then prefetch their rows before scoring, so the memory loads overlap.
            // (Unchecked indexing in these per-link loops: nodes are below Count, at most 2M links are gathered.)
            var u = 0;
            ref var visitedBits = ref MemoryMarshal.GetArrayDataReference(visited);
            ref var unseenNodes = ref MemoryMarshal.GetArrayDataReference(unseen);
            for (var i = 0; i < n; i++)
            {
                var m = Unsafe.Add(ref links, i);
                ref var word = ref Unsafe.Add(ref visitedBits, m >> 6);
                Unsafe.Add(ref unseenNodes, u) = m;
                u += (int)(~(word >> m) & 1);
                word |= 1UL << m;
            }
            for (var i = 0; i < u; i++) scorer.Prefetch(Unsafe.Add(ref unseenNodes, i));
            ref var unseenScore = ref MemoryMarshal.GetArrayDataReference(unseenScores);
            for (var i = 0; i < u; i++) Unsafe.Add(ref unseenScore, i) = scorer.Score(Unsafe.Add(ref unseenNodes, i));

            var lowestInsert = int.MaxValue;
            for (var i = 0; i < u; i++)
            {
                var s = Unsafe.Add(ref unseenScore, i);
                if (size == beam && !(s > pool[size - 1].Score)) continue;   // also drops NaN
                // Binary search for the first entry scoring below s (equal scores keep arrival order), without
                // branches on the comparisons: their outcomes are random, and mispredictions cost more than the rest.
                var lo = 0;
                for (var n2 = size; n2 > 1;)
                {
                    var half = n2 >> 1;
                    lo = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(pool), lo + half).Score >= s ? lo + half : lo;
                    n2 -= half;
                }
                lo += pool[lo].Score >= s ? 1 : 0;
                var moved = size < beam ? size - lo : size - 1 - lo;
                if (moved > 0) pool.AsSpan(lo, moved).CopyTo(pool.AsSpan(lo + 1));
                pool[lo] = new Candidate(s, unseen[i]);
                if (size < beam) size++;
                if (lo < lowestInsert) lowestInsert = lo;
            }
            // Everything before `next` is expanded; a new entry before it is the next to expand.
            if (lowestInsert < next) next = lowestInsert;
            while (next < size && (pool[next].Node & Expanded) != 0) next++;
        }
    }

    /// <summary>Elements to skip from <paramref name="first"/> (a pinned array's start) to reach a 64-byte boundary.</summary>
    private static unsafe int AlignedOffset<T>(ref T first, int elementSize)
    {
        var address = (long)Unsafe.AsPointer(ref first);
        return (int)((64 - address % 64) % 64 / elementSize);
    }

    /// <summary>The links of a node on a layer: a reference to the first and their count (frozen or building layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int Neighbours(int node, int level, out int count)
    {
        if (level == 0)
        {
            if (_degree0.Length > 0)
            {
                count = _degree0[node];
                return ref _frozen0[_frozen0Offset + node * _links0];
            }
            var at = node * (_links0 + 1);
            count = _layer0[at];
            return ref _layer0[at + 1];
        }
        var start = _upperStart[node] + (level - 1) * (_links + 1);
        count = _upper[start];
        return ref _upper[start + 1];
    }

    private Span<int> LinksOf(int node, int level) => level == 0
        ? _layer0.AsSpan(node * (_links0 + 1), _links0 + 1)
        : _upper.AsSpan(_upperStart[node] + (level - 1) * (_links + 1), _links + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref float Row(int row) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vectors), row * _stride);

    private readonly record struct Candidate(float Score, int Node) : IRanked
    {
        int IRanked.RankId => Node;
    }

    /// <summary>Marks a beam entry as expanded (node numbers are non-negative).</summary>
    private const int Expanded = int.MinValue;
    private const int NodeMask = int.MaxValue;

    /// <summary>How a search scores a node against the query (a struct, so each search is compiled for its scorer).</summary>
    private interface IScorer
    {
        float Score(int node);
        void Prefetch(int node);
    }

    /// <summary>Exact cosine on the float rows (building: node = row).</summary>
    private readonly struct FloatScorer(float[] vectors, float[] query, int stride) : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Score(int node) => SimilarityIndex.Dot(
            ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(vectors), node * stride), ref MemoryMarshal.GetArrayDataReference(query), stride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int node)
        {
            if (Sse.IsSupported)
                unsafe { Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(vectors), node * stride))); }
        }
    }

    /// <summary>Integer dot product of a node's 8-bit code with the 16-bit query (frozen graph: proportional to the cosine).</summary>
    private readonly struct CodeScorer(sbyte[] codes, int offset, short[] query, int codeStride) : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Score(int node)
        {
            ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(codes), offset + node * codeStride);
            ref var b = ref MemoryMarshal.GetArrayDataReference(query);
            if (Avx2.IsSupported)
            {
                var acc = Vector256<int>.Zero;
                for (var i = 0; i < codeStride; i += 16)
                {
                    var wide = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref a, (nuint)i));
                    acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(wide, Vector256.LoadUnsafe(ref b, (nuint)i)));
                }
                return Vector256.Sum(acc);
            }
            var sum = 0;
            for (var i = 0; i < codeStride; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
            return sum;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int node)
        {
            if (Sse.IsSupported)
                unsafe { Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(codes), offset + node * codeStride))); }
        }
    }

    /// <summary>Per-thread working memory of a search: visit marks (a bit per node), the beam, the query.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? _current;
        private ScoredTrack[] _exact = new ScoredTrack[64];

        public Scratch(int count) => Visited = new ulong[(count + 63) / 64];

        public ulong[] Visited { get; }
        /// <summary>The beam of the last search, best first.</summary>
        public Candidate[] Beam { get; private set; } = new Candidate[256];
        public float[] UnseenScores { get; } = new float[256];
        public Candidate[] Chosen { get; } = new Candidate[256];
        public Candidate[] Kept { get; } = new Candidate[256];
        public Candidate[] Prune { get; } = new Candidate[256];
        public int[] Unseen { get; } = new int[256];
        public float[] Query { get; private set; } = [];
        public short[] QueryCodes { get; private set; } = [];

        public static Scratch For(int count, int stride, int codeStride)
        {
            var s = _current;
            if (s is null || s.Visited.Length != (count + 63) / 64) _current = s = new Scratch(count);
            if (s.Query.Length != stride) s.Query = new float[stride];
            if (s.QueryCodes.Length != codeStride) s.QueryCodes = new short[codeStride];
            return s;
        }

        public void EnsureBeam(int n)
        {
            if (Beam.Length < n) Beam = new Candidate[n];
        }

        public ScoredTrack[] EnsureExact(int n)
        {
            if (_exact.Length < n)
            {
                _exact = new ScoredTrack[n];
                Rows = new int[n];
            }
            return _exact;
        }

        public int[] Rows { get; private set; } = new int[64];
    }
}
