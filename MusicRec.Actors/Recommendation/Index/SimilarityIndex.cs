using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Recommendation;

/// <summary>What a suggestion's reason (and the dashboard) needs to say about a track.</summary>
public sealed record TrackInfo(int TrackId, string Title, string Artist, string Genre, int? GenreId,
    string FeatureSource = Catalog.Features.FeatureSources.Audio)
{
    /// <summary>"Title (Artist)", or a fallback when the catalogue has no title.</summary>
    public string Display => (Title.Length > 0 ? Title : $"track {TrackId}") + (Artist.Length > 0 ? $" ({Artist})" : "");
}

/// <summary>One hit of a similarity query: cosine similarity in the index space.</summary>
public readonly record struct ScoredTrack(int TrackId, float Score) : IRanked
{
    int IRanked.RankId => TrackId;
}

/// <summary>What a best-first sort needs of an item: its score (higher first) and the id that breaks ties (lower first).</summary>
internal interface IRanked
{
    float Score { get; }
    int RankId { get; }
}

/// <summary>A catalogue document the index could not use, with the reason.</summary>
public sealed record SkippedTrack(int TrackId, string Reason);

public sealed record SimilarityIndexOptions
{
    /// <summary>Leading statistics of each document's feature vector the index uses (154: MFCC, centroid, ZCR; see FeatureColumnSets).</summary>
    public int FeatureCount { get; init; } = AudioFeatures.ColumnNames.Count;

    /// <summary>
    /// Principal components kept (0 or ≥ the feature count keeps the full vector). 32 keeps the dominant timbre axes
    /// and the query well inside its latency target (docs/benchmarks.md).
    /// </summary>
    public int Dimensions { get; init; } = 32;
    /// <summary>Rows sampled (evenly strided) for the covariance when fitting the projection.</summary>
    public int PcaSampleSize { get; init; } = 20_000;
    /// <summary>
    /// Catalogues smaller than this are scanned exactly; from this size on the HNSW graph answers queries (recall@3
    /// against the exact scan measured by the recommend benchmark).
    /// </summary>
    public int ExactScanBelow { get; init; } = 20_000;
    /// <summary>
    /// HNSW links per node on the upper layers (M; layer 0 has twice as many, 4 bytes each). Recall hardly depends on
    /// M, so the smallest that builds well keeps the graph small (docs/benchmarks.md).
    /// </summary>
    public int GraphLinks { get; init; } = 16;
    /// <summary>
    /// HNSW beam while building (efConstruction; searches in parallel, deterministic): wider builds much slower for
    /// little recall, narrower loses recall (docs/benchmarks.md).
    /// </summary>
    public int GraphBuildBeam { get; init; } = 64;
    /// <summary>
    /// HNSW beam of a query (ef, at least k): the recall/latency dial, the narrowest that keeps recall@3 ≥ 0.95 on
    /// random vectors (recommend benchmark). Widened fourfold, up to the exact scan, when exclusions leave fewer than k
    /// allowed hits in the beam.
    /// </summary>
    public int GraphSearchBeam { get; init; } = 128;
}

/// <summary>
/// In-memory index of the catalogue's feature vectors for cosine top-k queries. Exact brute force over one
/// contiguous float array with 256-bit SIMD dot products: with vectors L2-normalised, a dot product is the
/// cosine similarity. Catalogues from <see cref="SimilarityIndexOptions.ExactScanBelow"/> tracks on are searched
/// approximately through an HNSW graph over the same rows. Immutable after construction, so
/// queries from many actors at once are safe.
/// </summary>
public sealed class SimilarityIndex
{
    private readonly float[] _vectors;     // Count x Stride, row r is the track _trackIds[r]
    private readonly int[] _trackIds;
    private readonly TrackInfo[] _infos;
    private readonly Dictionary<int, int> _rowOf;

    private SimilarityIndex(FeatureProjection projection, int dimensions, int stride, float[] vectors, int[] trackIds,
        TrackInfo[] infos, IReadOnlyList<SkippedTrack> skipped, SimilarityIndexOptions options)
    {
        Projection = projection;
        Dimensions = dimensions;
        Stride = stride;
        _vectors = vectors;
        _trackIds = trackIds;
        _infos = infos;
        Skipped = skipped;
        _rowOf = new Dictionary<int, int>(trackIds.Length);
        for (var r = 0; r < trackIds.Length; r++) _rowOf[trackIds[r]] = r;
        if (trackIds.Length >= options.ExactScanBelow && trackIds.Length > 1)
            Graph = HnswIndex.Build(vectors, trackIds, stride, options.GraphLinks, options.GraphBuildBeam, options.GraphSearchBeam);
    }

    /// <summary>"exact scan" or the HNSW graph's parameters (M, build and query beams).</summary>
    public string SearchMethod => Graph?.Description ?? "exact scan";

    /// <summary>The HNSW graph of a large catalogue; null: every query scans exactly.</summary>
    internal HnswIndex? Graph { get; }

    public int Count => _trackIds.Length;
    /// <summary>Meaningful dimensions of the index space.</summary>
    public int Dimensions { get; }
    /// <summary>Length of one stored vector (dimensions padded to a multiple of the SIMD width); query vectors have this length.</summary>
    public int Stride { get; }
    public FeatureProjection Projection { get; }
    /// <summary>Documents left out of the index (wrong feature count, non-finite values, duplicate id), with why.</summary>
    public IReadOnlyList<SkippedTrack> Skipped { get; }
    public IReadOnlyList<TrackInfo> Tracks => _infos;
    /// <summary>Every stored vector, Count x Stride: row r belongs to <see cref="Tracks"/>[r].</summary>
    internal ReadOnlySpan<float> Vectors => _vectors;

    /// <summary>Builds the index from catalogue documents (e.g. <c>ITrackStore.StreamAllAsync</c>).</summary>
    public static SimilarityIndex Build(IEnumerable<TrackDocument> documents, SimilarityIndexOptions? options = null)
    {
        var builder = new Collector((options ?? new SimilarityIndexOptions()).FeatureCount);
        foreach (var d in documents) builder.Add(d);
        return builder.Finish(options ?? new SimilarityIndexOptions());
    }

    public static async Task<SimilarityIndex> BuildAsync(IAsyncEnumerable<TrackDocument> documents,
        SimilarityIndexOptions? options = null, CancellationToken ct = default)
    {
        var builder = new Collector((options ?? new SimilarityIndexOptions()).FeatureCount);
        await foreach (var d in documents.WithCancellation(ct)) builder.Add(d);
        return builder.Finish(options ?? new SimilarityIndexOptions());
    }

    /// <summary>Builds from vectors already in index space (benchmarks, tests). Each row is L2-normalised here.</summary>
    public static SimilarityIndex FromVectors(IReadOnlyList<TrackInfo> tracks, IReadOnlyList<float[]> vectors, SimilarityIndexOptions? options = null)
    {
        if (tracks.Count != vectors.Count) throw new ArgumentException("one vector per track expected", nameof(vectors));
        if (tracks.Count == 0) throw new ArgumentException("empty catalogue", nameof(tracks));
        var dims = vectors[0].Length;
        var stride = PadToSimd(dims);
        var data = new float[tracks.Count * stride];
        for (var r = 0; r < tracks.Count; r++)
        {
            if (vectors[r].Length != dims) throw new ArgumentException($"vector {r} has {vectors[r].Length} values, expected {dims}", nameof(vectors));
            var row = data.AsSpan(r * stride, stride);
            vectors[r].CopyTo(row);
            Normalise(row);
        }
        return new SimilarityIndex(FeatureProjection.Identity(dims), dims, stride, data,
            tracks.Select(t => t.TrackId).ToArray(), tracks.ToArray(), [], options ?? new SimilarityIndexOptions());
    }

    public bool Contains(int trackId) => _rowOf.ContainsKey(trackId);

    /// <summary>The track's row (its place in <see cref="Tracks"/>), or -1.</summary>
    internal int RowOf(int trackId) => _rowOf.TryGetValue(trackId, out var r) ? r : -1;

    private AudioNeighbours? _neighbours;
    private readonly Lock _neighboursLock = new();

    /// <summary>
    /// Every track's <paramref name="perTrack"/> nearest tracks (<see cref="AudioNeighbours"/>), searched with
    /// <paramref name="searchBeam"/>: built on the first ask (seconds for 100,000 tracks) and kept, so every context
    /// over this index shares one set.
    /// </summary>
    public AudioNeighbours Neighbours(int perTrack, int searchBeam)
    {
        lock (_neighboursLock)
        {
            if (_neighbours is { } kept && kept.PerTrack == perTrack && kept.SearchBeam == searchBeam) return kept;
            return _neighbours = AudioNeighbours.Build(this, perTrack, searchBeam);
        }
    }

    public bool TryGetInfo(int trackId, out TrackInfo info)
    {
        if (_rowOf.TryGetValue(trackId, out var r)) { info = _infos[r]; return true; }
        info = null!;
        return false;
    }

    /// <summary>The track's normalised vector in index space (length <see cref="Stride"/>); empty when unknown.</summary>
    public ReadOnlySpan<float> VectorOf(int trackId) =>
        _rowOf.TryGetValue(trackId, out var r) ? _vectors.AsSpan(r * Stride, Stride) : ReadOnlySpan<float>.Empty;

    /// <summary>Projects raw catalogue features into a query vector (length <see cref="Stride"/>), or null for a zero vector.</summary>
    public float[]? ProjectFeatures(ReadOnlySpan<double> features)
    {
        var f = new float[features.Length];
        for (var i = 0; i < f.Length; i++) f[i] = (float)features[i];
        var q = new float[Stride];
        return Projection.Project(f, q) ? q : null;
    }

    /// <summary>Top-k by cosine similarity, best first, skipping tracks for which <paramref name="isExcluded"/> is true.</summary>
    public IReadOnlyList<ScoredTrack> TopK(ReadOnlySpan<float> query, int k, Func<int, bool>? isExcluded = null)
    {
        if (k <= 0) return [];
        var buffer = new ScoredTrack[Math.Min(k, Count)];
        var n = TopK(query, buffer, isExcluded);
        return n == buffer.Length ? buffer : buffer[..n];
    }

    /// <summary>
    /// Fills <paramref name="best"/> (its length is k) with the best hits, best first; returns how many were found.
    /// The exclusion test runs only for rows that would enter the current top-k, so large exclusion sets are cheap.
    /// Ties keep the lower track id, so results are deterministic. Large catalogues go through the HNSW graph; when exclusions leave it short of k hits even with a widened beam, the exact scan answers.
    /// </summary>
    public int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded = null) =>
        TopK(query, best, isExcluded, searchBeam: null);

    /// <summary>
    /// <see cref="TopK(ReadOnlySpan{float}, Span{ScoredTrack}, Func{int, bool}?)"/> with the HNSW beam of this one query
    /// (null: <see cref="SimilarityIndexOptions.GraphSearchBeam"/>): callers that need fewer hits or less recall than the
    /// index's generic top-k can search more cheaply. The exact scan ignores it.
    /// </summary>
    public int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded, int? searchBeam)
    {
        if (query.Length != Stride)
            throw new ArgumentException($"query must have {Stride} values (index stride), got {query.Length}", nameof(query));
        if (best.Length == 0) return 0;
        if (Graph is not null)
        {
            var found = Graph.TopK(query, best, isExcluded, searchBeam);
            if (found == best.Length) return found;
        }
        return ExactTopK(query, best, isExcluded);
    }

    /// <summary>The exact answer by scanning every row (what the graph approximates).</summary>
    public int ExactTopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded = null)
    {
        if (query.Length != Stride)
            throw new ArgumentException($"query must have {Stride} values (index stride), got {query.Length}", nameof(query));
        return best.Length == 0 ? 0 : ScanRows(_vectors, _trackIds, Stride, query, best, 0, isExcluded);
    }

    /// <summary>
    /// Scans rows (<paramref name="stride"/> apart, track ids alongside) into the sorted top-k <paramref name="best"/>
    /// already holding <paramref name="count"/> hits; returns the new count.
    /// </summary>
    internal static int ScanRows(ReadOnlySpan<float> vectors, ReadOnlySpan<int> trackIds, int stride, ReadOnlySpan<float> query,
        Span<ScoredTrack> best, int count, Func<int, bool>? isExcluded)
    {
        var k = best.Length;
        var threshold = count == k ? best[k - 1].Score : float.NegativeInfinity;
        ref var rows = ref MemoryMarshal.GetReference(vectors);
        ref var q = ref MemoryMarshal.GetReference(query);
        for (var r = 0; r < trackIds.Length; r++)
        {
            var s = Dot(ref Unsafe.Add(ref rows, r * stride), ref q, stride);
            if (count == k && s <= threshold && (s < threshold || trackIds[r] > best[k - 1].TrackId)) continue;
            if (float.IsNaN(s)) continue;
            var id = trackIds[r];
            if (isExcluded is not null && isExcluded(id)) continue;
            // Insert into the sorted (descending score, then ascending id) top-k.
            var pos = count < k ? count : k - 1;
            while (pos > 0 && (best[pos - 1].Score < s || (best[pos - 1].Score == s && best[pos - 1].TrackId > id)))
            {
                if (pos < k) best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = new ScoredTrack(id, s);
            if (count < k) count++;
            if (count == k) threshold = best[k - 1].Score;
        }
        return count;
    }

    /// <summary>Cosine similarity of two index-space vectors (both normalised, so their dot product).</summary>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.IsEmpty) return 0;
        return Dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>L2-normalises in place; returns false (and leaves zeros) for a zero or non-finite vector.</summary>
    public static bool Normalise(Span<float> v)
    {
        double norm = 0;
        foreach (var x in v) norm += (double)x * x;
        if (!(norm > 1e-24) || double.IsInfinity(norm)) { v.Clear(); return false; }
        var inv = (float)(1.0 / Math.Sqrt(norm));
        for (var i = 0; i < v.Length; i++) v[i] *= inv;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(ref float a, ref float b, int length)
    {
        var i = 0;
        float sum;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= length; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)), acc1);
            }
            for (; i + 8 <= length; i += 8)
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
            sum = Vector256.Sum(acc0 + acc1);
        }
        else sum = 0;
        for (; i < length; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    private static int PadToSimd(int dims) => (dims + 7) / 8 * 8;

    /// <summary>Gathers valid documents (sorted by track id at the end) and sets aside the rest with a reason.</summary>
    private sealed class Collector
    {
        private readonly int _expectedFeatures;
        private readonly List<(TrackInfo Info, float[] Raw)> _rows = [];
        private readonly HashSet<int> _seen = [];
        private readonly List<SkippedTrack> _skipped = [];

        public Collector(int expectedFeatures) => _expectedFeatures = expectedFeatures;

        public void Add(TrackDocument d)
        {
            // A track from FMA's features.csv has 518 statistics; the first 154 are the ones audio gives.
            if (d.Features is null || d.Features.Length < _expectedFeatures)
            {
                _skipped.Add(new SkippedTrack(d.TrackId, $"expected {_expectedFeatures} features, found {d.Features?.Length ?? 0}"));
                return;
            }
            var raw = new float[_expectedFeatures];
            for (var i = 0; i < raw.Length; i++)
            {
                var x = d.Features[i];
                if (!double.IsFinite(x))
                {
                    _skipped.Add(new SkippedTrack(d.TrackId, $"feature {(i < AudioFeatures.ColumnNames.Count ? AudioFeatures.ColumnNames[i] : $"#{i}")} is not a finite number"));
                    return;
                }
                raw[i] = (float)x;
            }
            if (!_seen.Add(d.TrackId))
            {
                _skipped.Add(new SkippedTrack(d.TrackId, "duplicate track id (first one kept)"));
                return;
            }
            var m = d.Metadata;
            var genre = string.IsNullOrWhiteSpace(m.GenreTop) ? "unknown" : m.GenreTop;
            _rows.Add((new TrackInfo(d.TrackId, m.Title ?? "", m.ArtistName ?? "", genre, m.GenreId, d.FeatureSource), raw));
        }

        public SimilarityIndex Finish(SimilarityIndexOptions options)
        {
            if (_rows.Count == 0)
                throw new InvalidOperationException(
                    $"the catalogue has no track with usable features ({_skipped.Count} skipped); run the ETL first");
            _rows.Sort((a, b) => a.Info.TrackId.CompareTo(b.Info.TrackId));
            var projection = FeatureProjection.FitPca(_rows.Select(r => r.Raw).ToList(), options.Dimensions, options.PcaSampleSize);
            var dims = projection.OutputDimensions;
            var stride = PadToSimd(dims);
            var data = new float[_rows.Count * stride];
            var keptInfos = new List<TrackInfo>(_rows.Count);
            var row = 0;
            foreach (var (info, raw) in _rows)
            {
                if (!projection.Project(raw, data.AsSpan(row * stride, stride)))
                {
                    _skipped.Add(new SkippedTrack(info.TrackId, "feature vector is zero after centring (no direction to compare)"));
                    continue;
                }
                keptInfos.Add(info);
                row++;
            }
            if (row == 0) throw new InvalidOperationException("every track's feature vector is degenerate; cannot build the index");
            if (row < _rows.Count) Array.Resize(ref data, row * stride);
            return new SimilarityIndex(projection, dims, stride, data, keptInfos.Select(i => i.TrackId).ToArray(),
                keptInfos.ToArray(), _skipped.ToList(), options);
        }
    }
}
