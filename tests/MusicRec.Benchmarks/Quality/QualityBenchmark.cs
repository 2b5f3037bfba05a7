using MusicRec.IntegrationTests.EndToEnd;
using MusicRec.Recommendation;

namespace MusicRec.Benchmarks.Quality;

/// <summary>
/// Issue 6's recommendation quality on the real pipeline: sample audio (8 genres) → `musicrec etl` → SQLite →
/// SimilarityIndex → ActivitySimulator users → in-process bus → ActivityPipeline → UserRecommenderActor. Prints the
/// share of recommended tracks in each user's favourite genre (target ≥ 70%), the index's 10-NN genre agreement,
/// and the same figures with the full 154-dimensional index for comparison.
/// Options: --tracks N (400) --users U (96) --events E per user (20) --seed S (42).
/// </summary>
public sealed class QualityBenchmark : IBenchmark
{
    public string Name => "quality";
    public string Description => "favourite-genre share of recommendations on the real sample → ETL → simulator → actors pipeline";

    public async Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 400);
        var users = BenchmarkOptions.Int(options, "--users", 96);
        var events = BenchmarkOptions.Int(options, "--events", 20);
        var seed = BenchmarkOptions.Int(options, "--seed", 42);
        var work = Path.Combine(Path.GetTempPath(), $"musicrec-quality-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var (store, sampleTime, etlTime) = await QualityEndToEnd.SampleAndEtlAsync(work, tracks, seed, TextWriter.Null);
            BenchmarkReport.Info("sample + ETL", $"{tracks} tracks: sample {sampleTime.TotalSeconds:0.0} s, ETL {etlTime.TotalSeconds:0.0} s");

            var run = new QualityEndToEnd.Options(tracks, users, events, seed) { ExistingStore = store };
            var result = await QualityEndToEnd.RunAsync(work, run, TextWriter.Null);
            BenchmarkReport.Info("run", result.ToString());
            BenchmarkReport.Info("random baseline (favourite genre's share of the catalogue)", $"{result.RandomBaseline:P1}");
            BenchmarkReport.Info("control: share in another fixed genre per user", $"{result.OtherGenreShare:P1}");
            BenchmarkReport.Info($"NeighbourGenreAgreement (10-NN, index {result.IndexDimensions} dims)", $"{result.NeighbourAgreement:P1}");
            var ok = BenchmarkReport.Figure("recommended tracks in the user's favourite genre", result.FavouriteGenreShare * 100, "%", 70, lowerIsBetter: false);
            ok &= result.MalformedBatches == 0 && result.EventsApplied == result.EventsSent;

            var full = await QualityEndToEnd.RunAsync(work, run with { Index = new SimilarityIndexOptions { Dimensions = 0 } }, TextWriter.Null);
            BenchmarkReport.Info("for comparison, full 154-dimensional index",
                $"{full.FavouriteGenreShare:P1} in favourite genre, NeighbourGenreAgreement {full.NeighbourAgreement:P1}");
            return ok;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException e) { Console.WriteLine($"  could not remove {work}: {e.Message}"); }
        }
    }
}
