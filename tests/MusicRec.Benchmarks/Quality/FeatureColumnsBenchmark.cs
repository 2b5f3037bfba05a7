using MusicRec.Catalog.Features;
using MusicRec.Host.Commands;
using MusicRec.IntegrationTests.EndToEnd;
using MusicRec.Recommendation;
using MusicRec.Stores;

namespace MusicRec.Benchmarks.Quality;

/// <summary>
/// The recommender's feature columns (HOCON musicrec.recommender.feature-columns) measured by genre recovery: the
/// index's 10-NN genre agreement (RecommendationQuality.NeighbourGenreAgreement) for default (154), full (518) and
/// echonest (8), beside the random baseline (the chance two tracks share a genre). On the sample catalogue by default
/// (audio → ETL; full has no track there: the sample computes only the 154); with --metadata DIR a real fma_metadata
/// folder is loaded with `etl --features csv` first, where all three apply. Options: --tracks N (400), --seed S (42).
/// </summary>
public sealed class FeatureColumnsBenchmark : IBenchmark
{
    public string Name => "feature-columns";
    public string Description => "genre recovery (10-NN agreement) of the index on default/full/echonest feature columns";

    public async Task<bool> RunAsync(string[] options)
    {
        var work = Path.Combine(Path.GetTempPath(), $"musicrec-feature-columns-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            string storeUri;
            if (BenchmarkOptions.Value(options, "--metadata") is { } metadata)
            {
                var outDir = Path.Combine(work, "etl");
                storeUri = "sqlite:" + Path.Combine(outDir, "musicrec.db");
                await EtlCommand.RunAsync(new EtlCommand.EtlCommandArgs(metadata, null, outDir, storeUri, 2, false, "csv"),
                    TextWriter.Null, Console.Error, true, _ => null, CancellationToken.None);
                BenchmarkReport.Info("catalogue", $"{metadata} (features from its features.csv)");
            }
            else
            {
                var tracks = BenchmarkOptions.Int(options, "--tracks", 400);
                (storeUri, _, _) = await QualityEndToEnd.SampleAndEtlAsync(work, tracks, BenchmarkOptions.Int(options, "--seed", 42), TextWriter.Null);
                BenchmarkReport.Info("catalogue", $"sample of {tracks} tracks, features from audio, echonest for ~85 %");
            }
            await using var store = TrackStoreFactory.Open(storeUri);
            foreach (var set in Enum.GetValues<FeatureColumnSet>())
            {
                var left = 0;
                var docs = FeatureColumnSets.SelectAsync(store.StreamAllAsync(), set, (_, _) => left++);
                SimilarityIndex index;
                try
                {
                    index = await SimilarityIndex.BuildAsync(docs, new SimilarityIndexOptions { FeatureCount = FeatureColumnSets.Width(set) });
                }
                catch (InvalidOperationException e)
                {
                    BenchmarkReport.Info($"{set}", $"no index: {e.Message} ({left} tracks without these columns)");
                    continue;
                }
                var genres = index.Tracks.Where(t => t.Genre != "unknown").GroupBy(t => t.Genre).Select(g => (double)g.Count()).ToList();
                var baseline = genres.Sum(c => c * c) / Math.Pow(genres.Sum(), 2);
                var agreement = RecommendationQuality.NeighbourGenreAgreement(index, k: 10, sample: 1000);
                BenchmarkReport.Info($"{set} ({FeatureColumnSets.Width(set)} columns)",
                    $"10-NN genre agreement {agreement:P1} over {index.Count} tracks ({left} without these columns); random {baseline:P1}; index {index.Dimensions} dims");
            }
            return true;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }
}
