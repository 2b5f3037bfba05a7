using MusicRec.Catalog.Features;
using MusicRec.Recommendation;
using MusicRec.Stores;
using MusicRec.Tests.Stores;

namespace MusicRec.Tests.Catalog.Features;

/// <summary>The recommender's configurable feature columns: which tracks each set keeps and the vector it gives.</summary>
public sealed class FeatureColumnSetsTests
{
    private static async IAsyncEnumerable<TrackDocument> Stream(IEnumerable<TrackDocument> docs)
    {
        foreach (var d in docs) yield return d;
        await Task.CompletedTask;
    }

    private static async Task<(List<TrackDocument> Kept, List<int> Left)> Select(FeatureColumnSet set, params TrackDocument[] docs)
    {
        var left = new List<int>();
        var kept = new List<TrackDocument>();
        await foreach (var d in FeatureColumnSets.SelectAsync(Stream(docs), set, (id, _) => left.Add(id))) kept.Add(d);
        return (kept, left);
    }

    [Fact]
    public async Task Default_keeps_every_track_full_only_features_csv_ones_echonest_only_those_with_echonest()
    {
        // TestDocuments: track ids divisible by 3 have no echonest values.
        TrackDocument[] docs = [TestDocuments.Make(1), TestDocuments.FromFeaturesCsv(2), TestDocuments.Make(3), TestDocuments.Make(4)];
        Assert.Equal(4, (await Select(FeatureColumnSet.Default, docs)).Kept.Count);

        var full = await Select(FeatureColumnSet.Full, docs);
        Assert.Equal([2], full.Kept.Select(d => d.TrackId));
        Assert.Equal([1, 3, 4], full.Left);

        var echonest = await Select(FeatureColumnSet.Echonest, docs);
        Assert.Equal([1, 2, 4], echonest.Kept.Select(d => d.TrackId));
        Assert.Equal([3], echonest.Left);
        // z-scored per column over the kept tracks: 8 values, each column mean 0 and std 1.
        Assert.All(echonest.Kept, d => Assert.Equal(8, d.Features.Length));
        for (var c = 0; c < 8; c++)
        {
            var column = echonest.Kept.Select(d => d.Features[c]).ToList();
            Assert.Equal(0, column.Average(), 12);
            Assert.Equal(1, Math.Sqrt(column.Average(x => x * x)), 12);
        }
        var tempo = TrackDocumentColumns.EchonestColumns.ToList().IndexOf("tempo");
        var raw = echonest.Kept.Select(d => docs.Single(x => x.TrackId == d.TrackId).Metadata.Echonest["tempo"]).ToList();
        Assert.Equal(raw.IndexOf(raw.Max()), echonest.Kept.Select(d => d.Features[tempo]).ToList().IndexOf(echonest.Kept.Max(d => d.Features[tempo])));
    }

    [Fact]
    public async Task Counting_sources_warns_only_when_both_are_there()
    {
        var counts = new Dictionary<string, int>();
        await foreach (var _ in FeatureColumnSets.CountSourcesAsync(Stream([TestDocuments.Make(1), TestDocuments.Make(2)]), counts)) { }
        Assert.Null(FeatureColumnSets.MixedSourcesWarning(counts));
        await foreach (var _ in FeatureColumnSets.CountSourcesAsync(Stream([TestDocuments.FromFeaturesCsv(3)]), counts)) { }
        Assert.Contains("mixes 2 tracks with features from audio and 1 from features.csv", FeatureColumnSets.MixedSourcesWarning(counts));
    }

    [Fact]
    public async Task The_index_builds_on_each_sets_width()
    {
        var docs = Enumerable.Range(1, 30).Select(i => TestDocuments.FromFeaturesCsv(i)).ToArray();
        foreach (var set in Enum.GetValues<FeatureColumnSet>())
        {
            var index = await SimilarityIndex.BuildAsync(FeatureColumnSets.SelectAsync(Stream(docs), set),
                new SimilarityIndexOptions { FeatureCount = FeatureColumnSets.Width(set), Dimensions = 0 });
            Assert.Equal(set == FeatureColumnSet.Echonest ? 20 : 30, index.Count); // ids divisible by 3 lack echonest
            Assert.Equal(FeatureColumnSets.Width(set), index.Dimensions);
        }
        Assert.Throws<ArgumentException>(() => FeatureColumnSets.Parse("mfcc-only"));
    }
}
