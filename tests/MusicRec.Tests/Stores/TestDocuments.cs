using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

/// <summary>Deterministic track documents for store tests, and a deep comparison that checks doubles bit for bit.</summary>
internal static class TestDocuments
{
    public static TrackDocument Make(int id, int seed = 0, string? title = null)
    {
        var rng = new Random(id * 7919 + seed);
        var features = new double[AudioFeatures.ColumnNames.Count];
        for (var i = 0; i < features.Length; i++) features[i] = rng.NextDouble() * 6 - 3;
        return new TrackDocument
        {
            TrackId = id,
            Metadata = new TrackRecord
            {
                TrackId = id,
                Title = title ?? $"Track {id} take {seed}",
                ArtistId = 100 + id % 17,
                ArtistName = $"Artist {id % 17}",
                AlbumId = id % 5 == 0 ? null : 1000 + id % 31,
                AlbumTitle = $"Album {id % 31}",
                GenreId = id % 7 == 0 ? null : 1 + id % 12,
                GenreTop = id % 7 == 0 ? "" : "Rock",
                Genres = [1 + id % 12, 45],
                GenresAll = [1 + id % 12, 45, 12],
                DurationSeconds = id % 11 == 0 ? null : 30 + rng.NextDouble() * 300,
                Subset = "small",
                Echonest = id % 3 == 0
                    ? new Dictionary<string, double>()
                    : TrackDocumentColumns.EchonestColumns.ToDictionary(c => c, _ => rng.NextDouble()),
                FileName = id % 13 == 0 ? null : $"{id / 1000:000}/{id:000000}.mp3",
            },
            Mfccs = features[..20],
            SpectralCentroid = features[140],
            ZeroCrossingRate = features[147],
            Features = features,
        };
    }

    /// <summary>A document as the ETL makes it from FMA's features.csv: all 518 statistics and its source.</summary>
    public static TrackDocument FromFeaturesCsv(int id, int seed = 0)
    {
        var d = Make(id, seed);
        var rng = new Random(id * 31 + seed);
        var extra = Enumerable.Range(0, MusicRec.Catalog.Features.FmaFeatureColumns.CsvOnly.Count).Select(_ => rng.NextDouble() * 4 - 2);
        return d with { Features = [.. d.Features, .. extra], FeatureSource = MusicRec.Catalog.Features.FeatureSources.FeaturesCsv };
    }

    public static List<TrackDocument> Range(int from, int count, int seed = 0) =>
        Enumerable.Range(from, count).Select(i => Make(i, seed)).ToList();

    /// <summary>The document with every -0.0 replaced by +0.0 (what the MongoDB driver reads back).</summary>
    public static TrackDocument WithoutNegativeZero(TrackDocument d)
    {
        static double Fix(double v) => v == 0 ? 0.0 : v;
        return d with
        {
            Mfccs = d.Mfccs.Select(Fix).ToArray(),
            Features = d.Features.Select(Fix).ToArray(),
            SpectralCentroid = Fix(d.SpectralCentroid),
            ZeroCrossingRate = Fix(d.ZeroCrossingRate),
            Metadata = d.Metadata with
            {
                DurationSeconds = d.Metadata.DurationSeconds is { } s ? Fix(s) : null,
                Echonest = d.Metadata.Echonest.ToDictionary(kv => kv.Key, kv => Fix(kv.Value)),
            },
        };
    }

    public static void AssertSame(TrackDocument expected, TrackDocument actual)
    {
        Assert.Equal(expected.TrackId, actual.TrackId);
        var (e, a) = (expected.Metadata, actual.Metadata);
        Assert.Equal(e.TrackId, a.TrackId);
        Assert.Equal(e.Title, a.Title);
        Assert.Equal(e.ArtistId, a.ArtistId);
        Assert.Equal(e.ArtistName, a.ArtistName);
        Assert.Equal(e.AlbumId, a.AlbumId);
        Assert.Equal(e.AlbumTitle, a.AlbumTitle);
        Assert.Equal(e.GenreId, a.GenreId);
        Assert.Equal(e.GenreTop, a.GenreTop);
        Assert.Equal(e.Genres, a.Genres);
        Assert.Equal(e.GenresAll, a.GenresAll);
        AssertBits(e.DurationSeconds, a.DurationSeconds, "duration");
        Assert.Equal(e.Subset, a.Subset);
        Assert.Equal(e.FileName, a.FileName);
        Assert.Equal(e.Echonest.Keys.Order(), a.Echonest.Keys.Order());
        foreach (var (k, v) in e.Echonest) AssertBits(v, a.Echonest[k], $"echonest {k}");
        AssertBits(expected.Mfccs, actual.Mfccs, "MFCCs");
        AssertBits(expected.SpectralCentroid, actual.SpectralCentroid, "Spectral_Centroid");
        AssertBits(expected.ZeroCrossingRate, actual.ZeroCrossingRate, "Zero_Crossing_Rate");
        AssertBits(expected.Features, actual.Features, "features");
        Assert.Equal(expected.FeatureSource, actual.FeatureSource);
    }

    public static void AssertBits(double? expected, double? actual, string what)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{what}: expected {expected?.ToString("R") ?? "null"}, got {actual?.ToString("R") ?? "null"}");
            return;
        }
        if (double.IsNaN(expected.Value))
        {
            Assert.True(double.IsNaN(actual.Value), $"{what}: expected NaN, got {actual.Value:R}");
            return;
        }
        Assert.True(BitConverter.DoubleToInt64Bits(expected.Value) == BitConverter.DoubleToInt64Bits(actual.Value),
            $"{what}: expected {expected.Value:R} (0x{BitConverter.DoubleToInt64Bits(expected.Value):X16}), got {actual.Value:R} (0x{BitConverter.DoubleToInt64Bits(actual.Value):X16})");
    }

    public static void AssertBits(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} values, got {actual.Count}");
        for (var i = 0; i < expected.Count; i++) AssertBits(expected[i], actual[i], $"{what}[{i}]");
    }

    /// <summary>Compares a projected value with what <see cref="TrackDocumentColumns.Read"/> gives for the document.</summary>
    public static void AssertSameValue(object? expected, object? actual, string what)
    {
        switch (expected)
        {
            case null: Assert.True(actual is null, $"{what}: expected null, got {actual}"); break;
            case double d: Assert.IsType<double>(actual); AssertBits(d, (double)actual!, what); break;
            case IReadOnlyList<double> ds: AssertBits(ds, Assert.IsAssignableFrom<IReadOnlyList<double>>(actual), what); break;
            case IReadOnlyList<int> ints: Assert.Equal(ints, Assert.IsAssignableFrom<IReadOnlyList<int>>(actual)); break;
            default: Assert.Equal(expected, actual); break;
        }
    }
}

internal static class AsyncEnumerableCollect
{
    /// <summary>All items of a stream (named apart from ToListAsync, which two referenced assemblies both define).</summary>
    public static async Task<List<T>> CollectAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}
