using MusicRec.Dsp;
using MusicRec.Recommendation;
using Xunit.Abstractions;

namespace MusicRec.Tests.Recommendation;

public class SimilarityIndexTests(ITestOutputHelper output)
{
    private static (SimilarityIndex Index, List<float[]> Raw) RandomIndex(int n, int dims, int seed)
    {
        var random = new Random(seed);
        var raw = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)SyntheticCatalogue.Gaussian(random)).ToArray()).ToList();
        var infos = Enumerable.Range(0, n).Select(i => new TrackInfo(1000 + i, $"t{i}", "a", "g", null)).ToList();
        return (SimilarityIndex.FromVectors(infos, raw), raw);
    }

    private static List<int> NaiveTopK(List<float[]> raw, float[] query, int k, Func<int, bool>? excluded = null)
    {
        double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
        var qn = Norm(query);
        return raw.Select((v, i) => (Id: 1000 + i, Cos: v.Zip(query, (a, b) => (double)a * b).Sum() / (Norm(v) * qn)))
            .Where(x => excluded is null || !excluded(x.Id))
            .OrderByDescending(x => x.Cos).Take(k).Select(x => x.Id).ToList();
    }

    [Theory]
    [InlineData(32, 1)]
    [InlineData(32, 3)]
    [InlineData(20, 10)]
    [InlineData(154, 3)]
    public void TopK_equals_naive_exact_cosine_search(int dims, int k)
    {
        var (index, raw) = RandomIndex(3000, dims, seed: dims + k);
        var random = new Random(5);
        for (var q = 0; q < 25; q++)
        {
            var query = Enumerable.Range(0, dims).Select(_ => (float)SyntheticCatalogue.Gaussian(random)).ToArray();
            var padded = new float[index.Stride];
            query.CopyTo(padded, 0);
            SimilarityIndex.Normalise(padded);
            var got = index.TopK(padded, k);
            Assert.Equal(NaiveTopK(raw, query, k), got.Select(h => h.TrackId).ToList());
            Assert.True(got.Zip(got.Skip(1)).All(p => p.Item1.Score >= p.Item2.Score), "results must be best first");
        }
    }

    [Fact]
    public void TopK_never_returns_excluded_tracks()
    {
        var (index, raw) = RandomIndex(2000, 32, seed: 11);
        var random = new Random(3);
        for (var q = 0; q < 20; q++)
        {
            var query = raw[random.Next(raw.Count)];
            var padded = query.ToArray();
            SimilarityIndex.Normalise(padded);
            // Exclude the 50 nearest tracks: the answer must be the 51st to 53rd.
            var nearest = NaiveTopK(raw, query, 53);
            var excluded = nearest.Take(50).ToHashSet();
            var got = index.TopK(padded, 3, excluded.Contains).Select(h => h.TrackId).ToList();
            Assert.Equal(nearest.Skip(50).ToList(), got);
        }
    }

    [Fact]
    public void TopK_returns_fewer_when_everything_is_excluded()
    {
        var (index, _) = RandomIndex(10, 8, seed: 1);
        var q = new float[index.Stride];
        q[0] = 1;
        Assert.Empty(index.TopK(q, 3, _ => true));
        Assert.Equal(2, index.TopK(q, 3, id => id >= 1002).Count);
    }

    [Fact]
    public void Build_sets_aside_documents_it_cannot_use_with_a_reason()
    {
        var docs = SyntheticCatalogue.Create(5);
        var good = docs.Count;
        docs.Add(SyntheticCatalogue.Document(90001, "short", "a", "Rock", 12, new double[10]));
        var nan = Enumerable.Repeat(0.5, AudioFeatures.ColumnNames.Count).ToArray();
        nan[7] = double.NaN;
        docs.Add(SyntheticCatalogue.Document(90002, "nan", "a", "Rock", 12, nan));
        docs.Add(docs[0] with { });
        var index = SimilarityIndex.Build(docs);
        Assert.Equal(good, index.Count);
        Assert.Contains(index.Skipped, s => s.TrackId == 90001 && s.Reason.Contains("154 features"));
        Assert.Contains(index.Skipped, s => s.TrackId == 90002 && s.Reason.Contains("not a finite number"));
        Assert.Contains(index.Skipped, s => s.TrackId == docs[0].TrackId && s.Reason.Contains("duplicate"));
        Assert.False(index.Contains(90001));
    }

    [Fact]
    public void Pca_keeps_a_low_rank_catalogue_exactly()
    {
        // Every track lies in a 3-dimensional subspace of the 154 features: 3 components explain all variance and
        // cosine similarity of centred vectors is unchanged by the projection.
        var random = new Random(9);
        var basis = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 154).Select(_ => SyntheticCatalogue.Gaussian(random)).ToArray()).ToArray();
        var docs = Enumerable.Range(0, 300).Select(i =>
        {
            var c = Enumerable.Range(0, 3).Select(_ => SyntheticCatalogue.Gaussian(random)).ToArray();
            var f = Enumerable.Range(0, 154).Select(j => c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j]).ToArray();
            return SyntheticCatalogue.Document(i + 1, $"t{i}", "a", "Rock", 12, f);
        }).ToList();
        var index = SimilarityIndex.Build(docs, new SimilarityIndexOptions { Dimensions = 3 });
        Assert.True(index.Projection.ExplainedVarianceRatio > 0.9999, $"explained {index.Projection.ExplainedVarianceRatio}");

        var mean = Enumerable.Range(0, 154).Select(j => docs.Average(d => d.Features[j])).ToArray();
        double Cos(double[] a, double[] b)
        {
            var ca = a.Select((x, j) => x - mean[j]).ToArray();
            var cb = b.Select((x, j) => x - mean[j]).ToArray();
            return ca.Zip(cb, (x, y) => x * y).Sum() / Math.Sqrt(ca.Sum(x => x * x) * cb.Sum(x => x * x));
        }
        for (var i = 0; i < 20; i++)
        {
            var a = docs[i];
            var b = docs[i + 100];
            Assert.Equal(Cos(a.Features, b.Features), SimilarityIndex.Similarity(index.VectorOf(a.TrackId), index.VectorOf(b.TrackId)), 3);
        }
    }

    [Fact]
    public void Full_dimension_index_equals_naive_cosine_on_the_raw_features()
    {
        var docs = SyntheticCatalogue.Create(20, seed: 4);
        var index = SimilarityIndex.Build(docs, new SimilarityIndexOptions { Dimensions = 0 });
        Assert.Equal(154, index.Dimensions);
        var raw = docs.OrderBy(d => d.TrackId).Select(d => d.Features.Select(x => (float)x).ToArray()).ToList();
        var ids = docs.OrderBy(d => d.TrackId).Select(d => d.TrackId).ToList();
        foreach (var probe in docs.Take(10))
        {
            var query = index.ProjectFeatures(probe.Features)!;
            var got = index.TopK(query, 3).Select(h => h.TrackId).ToList();
            var expected = NaiveTopK(raw, probe.Features.Select(x => (float)x).ToArray(), 3).Select(i => ids[i - 1000]).ToList();
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void Index_space_recovers_genres_of_a_clustered_catalogue()
    {
        var docs = SyntheticCatalogue.Create(100, seed: 12, spread: 0.25);
        var agreement = new Dictionary<int, double>();
        foreach (var dims in new[] { 16, 32, 64, 0 })
        {
            var index = SimilarityIndex.Build(docs, new SimilarityIndexOptions { Dimensions = dims });
            agreement[dims] = RecommendationQuality.NeighbourGenreAgreement(index, k: 10, sample: 400);
            output.WriteLine($"dimensions {index.Dimensions}: {agreement[dims]:P1} of 10 nearest neighbours share the genre " +
                             $"(explained variance {index.Projection.ExplainedVarianceRatio:P1}; random 12.5%)");
        }
        // Far above chance, and the default reduction to 32 components loses nothing against the full vectors.
        Assert.True(agreement[32] > 3 * 0.125, $"neighbour genre agreement {agreement[32]:P1}");
        Assert.True(agreement[32] >= agreement[0], $"PCA-32 {agreement[32]:P1} < full {agreement[0]:P1}");
    }

    private static (SimilarityIndex Index, List<float[]> Raw) GraphIndex(int n, int dims, int seed, SimilarityIndexOptions? options = null)
    {
        var random = new Random(seed);
        var raw = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)SyntheticCatalogue.Gaussian(random)).ToArray()).ToList();
        var infos = Enumerable.Range(0, n).Select(i => new TrackInfo(1000 + i, $"t{i}", "a", "g", null)).ToList();
        var index = SimilarityIndex.FromVectors(infos, raw, options ?? new SimilarityIndexOptions { ExactScanBelow = 1000 });
        Assert.StartsWith("HNSW graph", index.SearchMethod);
        return (index, raw);
    }

    private static float[] Padded(SimilarityIndex index, float[] query)
    {
        var padded = new float[index.Stride];
        query.CopyTo(padded, 0);
        SimilarityIndex.Normalise(padded);
        return padded;
    }

    private static float[] Near(float[] v, Random random, float noise) =>
        v.Select(x => x + (float)SyntheticCatalogue.Gaussian(random) * noise).ToArray();

    [Theory]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(10, true)]
    public void Graph_search_finds_the_exact_neighbours_almost_always(int k, bool nearTracks)
    {
        // 32 random dimensions is the hard case for a graph (no structure to exploit); queries either anywhere or
        // near a track, as a taste profile is.
        var (index, raw) = GraphIndex(4000, 32, seed: 21);
        var random = new Random(4);
        double hits = 0;
        const int queries = 150;
        for (var q = 0; q < queries; q++)
        {
            var query = nearTracks ? Near(raw[random.Next(raw.Count)], random, 0.3f)
                : Enumerable.Range(0, 32).Select(_ => (float)SyntheticCatalogue.Gaussian(random)).ToArray();
            var got = index.TopK(Padded(index, query), k);
            Assert.Equal(k, got.Count);
            Assert.True(got.Zip(got.Skip(1)).All(p => p.Item1.Score >= p.Item2.Score), "results must be best first");
            hits += NaiveTopK(raw, query, k).Count(id => got.Any(h => h.TrackId == id)) / (double)k;
        }
        output.WriteLine($"recall@{k} {hits / queries:P1} ({index.SearchMethod})");
        Assert.True(hits / queries >= 0.95, $"recall@{k} {hits / queries:P1}");
    }

    [Fact]
    public void Graph_search_never_returns_excluded_tracks_even_the_nearest()
    {
        var (index, raw) = GraphIndex(4000, 16, seed: 22);
        var random = new Random(6);
        var predicateCalls = 0;
        double hits = 0;
        const int queries = 100;
        for (var q = 0; q < queries; q++)
        {
            var query = Near(raw[random.Next(raw.Count)], random, 0.2f);
            // The five nearest tracks (the user's own plays, say) are excluded: the answer is the 6th to 8th.
            var nearest = NaiveTopK(raw, query, 8);
            var excluded = nearest.Take(5).ToHashSet();
            var got = index.TopK(Padded(index, query), 3, id => { predicateCalls++; return excluded.Contains(id); })
                .Select(h => h.TrackId).ToList();
            Assert.Equal(3, got.Count);
            Assert.DoesNotContain(got, excluded.Contains);
            hits += nearest.Skip(5).Count(got.Contains) / 3.0;
        }
        Assert.True(hits / queries >= 0.95, $"recall@3 with exclusions {hits / queries:P1}");
        // Only rows that would enter the result are tested: about k plus the excluded ones, not the thousands scored.
        Assert.True(predicateCalls <= queries * 20, $"{predicateCalls} predicate calls for {queries} queries");
    }

    [Fact]
    public void Graph_build_is_deterministic()
    {
        var (a, raw) = GraphIndex(3000, 24, seed: 23);
        var (b, _) = GraphIndex(3000, 24, seed: 23);
        var random = new Random(8);
        for (var q = 0; q < 100; q++)
        {
            var query = Padded(a, Near(raw[random.Next(raw.Count)], random, 1f));
            var excluded = Enumerable.Range(0, 50).Select(_ => 1000 + random.Next(raw.Count)).ToHashSet();
            Assert.Equal(a.TopK(query, 5, excluded.Contains), b.TopK(query, 5, excluded.Contains));
        }
    }

    [Fact]
    public void Graph_search_falls_back_to_the_exact_scan_when_the_neighbourhood_is_excluded()
    {
        var (index, raw) = GraphIndex(4000, 16, seed: 24);
        var random = new Random(10);
        for (var q = 0; q < 10; q++)
        {
            var query = Near(raw[random.Next(raw.Count)], random, 0.2f);
            // Far more excluded near the query than even a widened beam holds: only the exact scan can answer right.
            var nearest = NaiveTopK(raw, query, 1203);
            var excluded = nearest.Take(1200).ToHashSet();
            var padded = Padded(index, query);
            // The graph alone declines (fewer than k), so the index answers by the exact scan.
            Assert.True(index.Graph!.TopK(padded, new ScoredTrack[3], excluded.Contains, searchBeam: null) < 3);
            var got = index.TopK(padded, 3, excluded.Contains).Select(h => h.TrackId).ToList();
            Assert.Equal(nearest.Skip(1200).ToList(), got);
        }
        // Everything but one track excluded: that one is the answer.
        var all = new float[index.Stride];
        all[0] = 1;
        Assert.Equal([1003], index.TopK(all, 1, id => id != 1003).Select(h => h.TrackId));
        Assert.Empty(index.TopK(all, 3, _ => true));
    }

    [Fact]
    public void Graph_search_orders_ties_by_the_lower_track_id()
    {
        var random = new Random(25);
        var raw = Enumerable.Range(0, 3000).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)SyntheticCatalogue.Gaussian(random)).ToArray()).ToList();
        // Five tracks share one vector; ids are assigned in reverse so the lowest id is not the first row.
        var twin = raw[17];
        foreach (var r in new[] { 2900, 1500, 700, 40 }) raw[r] = twin.ToArray();
        var infos = Enumerable.Range(0, raw.Count).Select(i => new TrackInfo(10_000 - i, $"t{i}", "a", "g", null)).ToList();
        var index = SimilarityIndex.FromVectors(infos, raw, new SimilarityIndexOptions { ExactScanBelow = 1000 });
        Assert.StartsWith("HNSW graph", index.SearchMethod);
        var query = Padded(index, twin);
        var expected = new[] { 10_000 - 2900, 10_000 - 1500, 10_000 - 700 };
        Assert.Equal(expected, index.TopK(query, 3).Select(h => h.TrackId));
        var exact = new ScoredTrack[3];
        index.ExactTopK(query, exact);
        Assert.Equal(expected, exact.Select(h => h.TrackId));
        // With the lowest excluded, the next lowest moves up.
        Assert.Equal(new[] { 10_000 - 1500, 10_000 - 700, 10_000 - 40 }, index.TopK(query, 3, id => id == 10_000 - 2900).Select(h => h.TrackId));
    }
}
