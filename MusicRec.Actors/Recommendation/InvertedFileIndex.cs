namespace MusicRec.Recommendation;

/// <summary>
/// Inverted-file (IVF) layout of an index's vectors for large catalogues: spherical k-means splits the rows into
/// clusters; a query scores the centroids, scans only the rows of the nearest few clusters, and ranks those rows by
/// their exact cosine. Rows are copied into cluster order so each probed cluster is one contiguous scan.
/// </summary>
internal sealed class InvertedFileIndex : IApproximateIndex
{
    private const int KMeansIterations = 8;

    private readonly int _stride;
    private readonly float[] _centroids;     // Clusters x stride, normalised
    private readonly int[] _offsets;         // cluster c holds clustered rows [_offsets[c], _offsets[c + 1])
    private readonly float[] _vectors;       // rows in cluster order
    private readonly int[] _trackIds;        // track id of each clustered row

    private InvertedFileIndex(int stride, int clusters, int probes, float[] centroids, int[] offsets, float[] vectors, int[] trackIds)
    {
        _stride = stride;
        Clusters = clusters;
        Probes = probes;
        _centroids = centroids;
        _offsets = offsets;
        _vectors = vectors;
        _trackIds = trackIds;
    }

    public int Clusters { get; }
    /// <summary>Clusters scanned per query.</summary>
    public int Probes { get; }

    public string Description => $"inverted file ({Clusters} clusters, {Probes} probed, exact re-rank)";

    /// <summary>Clusters the rows (normalised, <paramref name="stride"/> apart) with a fixed seed, so a rebuild gives the same index.</summary>
    public static InvertedFileIndex Build(float[] data, int[] trackIds, int stride, int clusters, int probes)
    {
        var count = trackIds.Length;
        clusters = Math.Clamp(clusters, 1, count);
        probes = Math.Clamp(probes, 1, clusters);
        var random = new Random(20_26);

        // Train on an evenly strided sample (64 rows per cluster is plenty for the centroids).
        var sampleSize = Math.Min(count, clusters * 64);
        var sample = new int[sampleSize];
        for (var i = 0; i < sampleSize; i++) sample[i] = (int)((long)i * count / sampleSize);

        var centroids = new float[clusters * stride];
        var seeds = Enumerable.Range(0, sampleSize).OrderBy(_ => random.Next()).Take(clusters).ToArray();
        for (var c = 0; c < clusters; c++) data.AsSpan(sample[seeds[c]] * stride, stride).CopyTo(centroids.AsSpan(c * stride, stride));

        var sums = new double[clusters * stride];
        var sizes = new int[clusters];
        for (var iteration = 0; iteration < KMeansIterations; iteration++)
        {
            Array.Clear(sums);
            Array.Clear(sizes);
            foreach (var r in sample)
            {
                var row = data.AsSpan(r * stride, stride);
                var c = Nearest(centroids, clusters, stride, row);
                sizes[c]++;
                var sum = sums.AsSpan(c * stride, stride);
                for (var d = 0; d < stride; d++) sum[d] += row[d];
            }
            for (var c = 0; c < clusters; c++)
            {
                var centroid = centroids.AsSpan(c * stride, stride);
                if (sizes[c] == 0)
                {
                    // An empty cluster takes a random sample row, so no centroid is wasted.
                    data.AsSpan(sample[random.Next(sampleSize)] * stride, stride).CopyTo(centroid);
                    continue;
                }
                var sum = sums.AsSpan(c * stride, stride);
                for (var d = 0; d < stride; d++) centroid[d] = (float)sum[d];
                SimilarityIndex.Normalise(centroid);
            }
        }

        // Assign every row, then lay the rows out cluster by cluster (track id order inside a cluster).
        var assignment = new int[count];
        var counts = new int[clusters + 1];
        for (var r = 0; r < count; r++)
        {
            assignment[r] = Nearest(centroids, clusters, stride, data.AsSpan(r * stride, stride));
            counts[assignment[r] + 1]++;
        }
        for (var c = 0; c < clusters; c++) counts[c + 1] += counts[c];
        var offsets = (int[])counts.Clone();
        var next = (int[])counts.Clone();
        var vectors = new float[count * stride];
        var ids = new int[count];
        for (var r = 0; r < count; r++)
        {
            var at = next[assignment[r]]++;
            data.AsSpan(r * stride, stride).CopyTo(vectors.AsSpan(at * stride, stride));
            ids[at] = trackIds[r];
        }
        return new InvertedFileIndex(stride, clusters, probes, centroids, offsets, vectors, ids);
    }

    /// <summary>
    /// Fills <paramref name="best"/> from the nearest <see cref="Probes"/> clusters; returns how many were found. Fewer
    /// than asked (everything probed excluded) tells the caller to fall back to the exact scan.
    /// </summary>
    public int TopK(ReadOnlySpan<float> query, Span<ScoredTrack> best, Func<int, bool>? isExcluded, int? searchBeam)
    {
        Span<int> probe = stackalloc int[Probes];
        Span<float> probeScore = stackalloc float[Probes];
        var probed = 0;
        for (var c = 0; c < Clusters; c++)
        {
            var s = SimilarityIndex.Similarity(_centroids.AsSpan(c * _stride, _stride), query);
            if (probed == Probes && s <= probeScore[probed - 1]) continue;
            var pos = probed < Probes ? probed : Probes - 1;
            while (pos > 0 && probeScore[pos - 1] < s)
            {
                if (pos < Probes) { probe[pos] = probe[pos - 1]; probeScore[pos] = probeScore[pos - 1]; }
                pos--;
            }
            probe[pos] = c;
            probeScore[pos] = s;
            if (probed < Probes) probed++;
        }

        var count = 0;
        for (var p = 0; p < probed; p++)
        {
            var c = probe[p];
            var from = _offsets[c];
            var rows = _offsets[c + 1] - from;
            count = SimilarityIndex.ScanRows(_vectors.AsSpan(from * _stride, rows * _stride), _trackIds.AsSpan(from, rows),
                _stride, query, best, count, isExcluded);
        }
        return count;
    }

    private static int Nearest(float[] centroids, int clusters, int stride, ReadOnlySpan<float> row)
    {
        var best = 0;
        var bestScore = float.NegativeInfinity;
        for (var c = 0; c < clusters; c++)
        {
            var s = SimilarityIndex.Similarity(centroids.AsSpan(c * stride, stride), row);
            if (s > bestScore) { bestScore = s; best = c; }
        }
        return best;
    }
}
