using Stopwatch = System.Diagnostics.Stopwatch;
using MusicRec.Contracts;
using MusicRec.IntegrationTests.EndToEnd;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;

namespace MusicRec.Benchmarks.Quality;

/// <summary>
/// Issue 16's quality targets on a mixed-taste simulation of the sample catalogue (sample audio → ETL → SQLite):
/// hidden-taste listeners make an organic log (their own choices, no recommender), the offline evaluation replays it
/// for each source, the blend (a grid of weights and both skip policies, chosen on one seed and reported on another)
/// and the baselines; then the chosen blend closes the loop and the liked share per listener kind is measured.
/// Options: --tracks N (400) --users U (288) --events E per user (40) --seed S (42) --loop-events E (12) --warmup E (20).
/// </summary>
public sealed class HybridQualityBenchmark : IBenchmark
{
    public string Name => "hybrid-quality";
    public string Description => "hybrid recommender HR@10 per source and blend, weight choice, closed-loop like rates (sample catalogue)";

    public async Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 400);
        var users = BenchmarkOptions.Int(options, "--users", 288);
        var events = BenchmarkOptions.Int(options, "--events", 40);
        var seed = BenchmarkOptions.Int(options, "--seed", 42);
        var loopEvents = BenchmarkOptions.Int(options, "--loop-events", 12);
        var warmup = BenchmarkOptions.Int(options, "--warmup", 20);
        // --work DIR keeps the sample and its store between runs (and reuses them when present).
        var kept = BenchmarkOptions.Value(options, "--work");
        var work = kept ?? Path.Combine(Path.GetTempPath(), $"musicrec-hybrid-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var storeUri = await SampleStoreAsync(work, reuse: kept is not null, tracks, seed);
            var documents = new List<TrackDocument>();
            await using (var store = TrackStoreFactory.Open(storeUri, createIfMissing: false))
                await foreach (var d in store.StreamAllAsync()) documents.Add(d);
            var index = SimilarityIndex.Build(documents);
            var catalog = new TrackCatalog(index.Tracks);
            var simulated = documents.Select(d => new SimulatedTrack(d.TrackId, d.Metadata.GenreId, d.Features) { Artist = d.Metadata.ArtistName }).ToList();
            BenchmarkReport.Info("catalogue", $"{catalog.Count} tracks, {catalog.Tracks.Select(t => t.Artist).Distinct().Count()} artists, {catalog.Tracks.Select(t => t.Genre).Distinct().Count()} genres; load {BenchmarkReport.LoadAverage()}");

            // Organic logs (listeners choose by their hidden taste alone): one to choose the weights, one to report.
            var tune = await OrganicLogAsync(simulated, users, events, seed + 1);
            var test = await OrganicLogAsync(simulated, users, events, seed + 2);

            var grid = new List<(BlendOptions Blend, SkipPolicy Skips, double Hr10)>();
            foreach (var skips in new[] { SkipPolicy.Seen, SkipPolicy.Negative })
                foreach (var pop in new[] { 0.0, 0.1, 0.3, 0.6 })
                    foreach (var audio in new[] { 0.0, 0.1, 0.3, 0.6 })
                    {
                        var blend = new BlendOptions { CoListeningWeight = 1, PopularityWeight = pop, AudioWeight = audio, GenreWeight = 0 };
                        var r = Evaluate(tune, catalog, index, blend, skips);
                        grid.Add((blend, skips, r["blend"].HitRate[1]));
                    }
            foreach (var skips in new[] { SkipPolicy.Seen, SkipPolicy.Negative })
            {
                var best = grid.Where(g => g.Skips == skips).MaxBy(g => g.Hr10);
                BenchmarkReport.Info($"tuning log, skips {skips}: best blend HR@10", $"{best.Hr10:0.0000} at popularity {best.Blend.PopularityWeight}, audio {best.Blend.AudioWeight}");
            }
            var sources = grid.MaxBy(g => g.Hr10);
            // The genre term goes on top of the sources' weights (chosen by HR@10 above), and its weight is chosen with
            // the closed loop, which is what it is for (HR@10 cannot see what a batch does to the next one): on tuning
            // listeners (never the reported ones), several seeds of them, as one seed's listeners move the shares by
            // several points. Offline HR@10 on the tuning log is printed beside, and must keep both offline targets.
            var perGenre = new List<((BlendOptions Blend, SkipPolicy Skips, double Hr10) Point, double InGenre, double Groups)>();
            foreach (var genre in GenreWeights)
            {
                var blend = sources.Blend with { GenreWeight = genre };
                var tuned = Evaluate(tune, catalog, index, blend, sources.Skips);
                var bestAlone = tuned.Rows.Where(r => r.Recommender is "colistening" or "popularity" or "audio").Max(r => r.HitRate[1]);
                var popularAlone = Math.Max(tuned["most-popular"].HitRate[1], tuned["popularity"].HitRate[1]);
                var point = (Blend: blend, sources.Skips, Hr10: tuned["blend"].HitRate[1]);
                if (point.Hr10 < Math.Max(bestAlone, popularAlone))
                {
                    BenchmarkReport.Info($"tuning, genre weight {genre}", $"HR@10 {point.Hr10:0.0000}: not above the best single source or popularity, left out");
                    continue;
                }
                double inGenre = 0, groups = 0;
                foreach (var s in TuningLoopSeeds)
                {
                    var loop = await ClosedLoopAsync(simulated, catalog, index, point.Blend, point.Skips, users, seed + s, warmup, loopEvents, remember: null);
                    inGenre += loop.Kinds[ListenerKind.GenreLoyal].OwnGenreShare / TuningLoopSeeds.Length;
                    groups += loop.Kinds[ListenerKind.CrossGenreGroup].LikedShare / TuningLoopSeeds.Length;
                }
                perGenre.Add((point, inGenre, groups));
                BenchmarkReport.Info($"tuning, genre weight {genre}",
                    $"HR@10 {point.Hr10:0.0000}; " +
                    $"closed loop, mean of {TuningLoopSeeds.Length} seeds: genre-loyal in genre {inGenre:P1}, cross-genre liked {groups:P1}");
            }
            var chosen = ChooseGenreWeight(perGenre);
            BenchmarkReport.Info("chosen", $"colistening 1, popularity {chosen.Blend.PopularityWeight}, audio {chosen.Blend.AudioWeight}, genre {chosen.Blend.GenreWeight}, skips {chosen.Skips}");

            var clock = Stopwatch.StartNew();
            var report = Evaluate(test, catalog, index, chosen.Blend, chosen.Skips);
            BenchmarkReport.Info("test log", $"{report.Events} events, {report.Targets} discoveries, evaluated in {clock.Elapsed.TotalSeconds:0.00} s");
            foreach (var row in report.Rows)
                BenchmarkReport.Info($"  {row.Recommender,-13}", $"HR@3 {row.HitRate[0]:0.0000}  HR@10 {row.HitRate[1]:0.0000}  NDCG@10 {row.Ndcg[1]:0.0000}  coverage@10 {row.Coverage[1]:P1}  novelty {row.Novelty:0.0}");
            var blendHr = report["blend"].HitRate[1];
            var bestSingle = report.Rows.Where(r => r.Recommender is "colistening" or "popularity" or "audio").MaxBy(r => r.HitRate[1])!;
            var popularHr = Math.Max(report["most-popular"].HitRate[1], report["popularity"].HitRate[1]);
            var ok = BenchmarkReport.Figure($"blend HR@10 over the best single source ({bestSingle.Recommender})", blendHr / Math.Max(bestSingle.HitRate[1], 1e-9), "x", 1.0, lowerIsBetter: false);
            ok &= BenchmarkReport.Figure("blend HR@10 over the popularity baseline", blendHr / Math.Max(popularHr, 1e-9), "x", 1.0, lowerIsBetter: false);
            var other = Evaluate(test, catalog, index, chosen.Blend, chosen.Skips == SkipPolicy.Seen ? SkipPolicy.Negative : SkipPolicy.Seen);
            BenchmarkReport.Info($"same weights, skips {(chosen.Skips == SkipPolicy.Seen ? "Negative" : "Seen")}", $"blend HR@10 {other["blend"].HitRate[1]:0.0000}");
            var otherScoring = new CoListeningOptions().Scoring == CoListeningScoring.Llr ? CoListeningScoring.Cosine : CoListeningScoring.Llr;
            var scored = Evaluate(test, catalog, index, chosen.Blend, chosen.Skips, otherScoring);
            BenchmarkReport.Info($"same weights, co-listening scored by {otherScoring} instead",
                $"colistening HR@10 {scored["colistening"].HitRate[1]:0.0000}, blend HR@10 {scored["blend"].HitRate[1]:0.0000}");

            // The closed loop with the chosen blend, after a warm-up of the same listeners' own choices (a service
            // that has been running), once with recommended tracks excluded for good (the actor today) and once for
            // the next 10 batches only.
            // The targets are checked on the first: it is what the actor does.
            ClosedLoopReport? forGood = null;
            foreach (var remember in new int?[] { null, 10 })
            {
                var loop = await ClosedLoopAsync(simulated, catalog, index, chosen.Blend, chosen.Skips, users, seed, warmup, loopEvents, remember);
                var label = remember is null ? "recommended excluded for good" : $"recommended excluded for {remember} batches";
                foreach (var (kind, f) in loop.Kinds.OrderBy(k => k.Key))
                    BenchmarkReport.Info($"closed loop ({label}), {kind} ({f.Listeners} listeners)",
                        $"liked {f.LikedShare:P1} of {f.Recommended} recommended, random {f.RandomLikedShare:P1}" + (kind == ListenerKind.GenreLoyal ? $", in own genre {f.OwnGenreShare:P1}" : ""));
                forGood ??= loop;
            }
            // For the record only (the choice above never sees these listeners): the reported loop at every genre weight.
            foreach (var genre in GenreWeights)
            {
                var l = await ClosedLoopAsync(simulated, catalog, index, chosen.Blend with { GenreWeight = genre }, chosen.Skips, users, seed, warmup, loopEvents, remember: null);
                BenchmarkReport.Info($"  reported listeners at genre weight {genre} (excluded for good, not used to choose)",
                    $"genre-loyal in genre {l.Kinds[ListenerKind.GenreLoyal].OwnGenreShare:P1}, cross-genre liked {l.Kinds[ListenerKind.CrossGenreGroup].LikedShare:P1}");
            }
            // The service runs the defaults in hocon/ (BlendOptions' own), which an earlier run of this choice set: when
            // this run chooses otherwise, what the defaults give on the same test log and reported listeners.
            var service = new BlendOptions();
            if (service != chosen.Blend || chosen.Skips != SkipPolicy.Seen)
            {
                var atDefaults = Evaluate(test, catalog, index, service, SkipPolicy.Seen);
                var loop = await ClosedLoopAsync(simulated, catalog, index, service, SkipPolicy.Seen, users, seed, warmup, loopEvents, remember: null);
                BenchmarkReport.Info($"the service's defaults (popularity {service.PopularityWeight}, audio {service.AudioWeight}, genre {service.GenreWeight}, skips Seen)",
                    $"blend HR@10 {atDefaults["blend"].HitRate[1]:0.0000}; closed loop: genre-loyal in genre {loop.Kinds[ListenerKind.GenreLoyal].OwnGenreShare:P1}, " +
                    $"cross-genre liked {loop.Kinds[ListenerKind.CrossGenreGroup].LikedShare:P1}");
            }
            ok &= BenchmarkReport.Figure("cross-genre group listeners: liked share of recommended tracks", forGood!.Kinds[ListenerKind.CrossGenreGroup].LikedShare * 100, "%", 40, lowerIsBetter: false);
            ok &= BenchmarkReport.Figure("genre-loyal listeners: recommended tracks in their genre", forGood.Kinds[ListenerKind.GenreLoyal].OwnGenreShare * 100, "%", 70, lowerIsBetter: false);
            return ok;
        }
        finally
        {
            try { if (kept is null) Directory.Delete(work, recursive: true); }
            catch (IOException e) { Console.WriteLine($"  could not remove {work}: {e.Message}"); }
        }
    }

    private static readonly double[] GenreWeights = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8];
    /// <summary>Offsets from --seed of the tuning loops' listeners (the reported loop uses --seed itself).</summary>
    private static readonly int[] TuningLoopSeeds = [1, 11, 21, 31, 41];

    /// <summary>
    /// The genre weight whose tuning loops meet both closed-loop targets (in genre 70 %, cross-genre liked 40 %) with
    /// the widest margin, that is the largest min(in genre / 0.70, liked / 0.40).
    /// </summary>
    private static (BlendOptions Blend, SkipPolicy Skips, double Hr10) ChooseGenreWeight(
        List<((BlendOptions Blend, SkipPolicy Skips, double Hr10) Point, double InGenre, double Groups)> perGenre) =>
        perGenre.MaxBy(p => Math.Min(p.InGenre / 0.70, p.Groups / 0.40)).Point;

    /// <summary>
    /// The blend through <see cref="HybridSession"/> with hidden-taste listeners of <paramref name="seed"/>, after a
    /// warm-up of their own choices (a service that has been running); recommended tracks excluded for good
    /// (<paramref name="remember"/> null, the actor today) or for that many batches.
    /// </summary>
    private static async Task<ClosedLoopReport> ClosedLoopAsync(List<SimulatedTrack> simulated, TrackCatalog catalog, SimilarityIndex index,
        BlendOptions blend, SkipPolicy skips, int users, int seed, int warmup, int loopEvents, int? remember)
    {
        var tastes = new HiddenTastes(simulated, new HiddenTasteOptions { Users = users, Seed = seed });
        var reading = new TasteReading { Skips = skips };
        var session = new HybridSession(catalog, index, blend, reading, rememberRecommendedBatches: remember);
        await ClosedLoop.RunAsync(tastes, warmup, e => { session.Learn(e); return Task.FromResult<IReadOnlyList<int>>([]); }, follow: 0, seed: seed + 7);
        return await ClosedLoop.RunAsync(tastes, loopEvents, e => Task.FromResult<IReadOnlyList<int>>([.. session.Observe(e).Select(s => s.TrackId)]),
            seed: seed, start: new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero));
    }

    /// <summary>The sample catalogue's SQLite store under <paramref name="work"/>: made (sample → ETL), or reused when asked and present.</summary>
    internal static async Task<string> SampleStoreAsync(string work, bool reuse, int tracks, int seed)
    {
        var existing = Path.Combine(work, "etl", "musicrec.db");
        if (reuse && File.Exists(existing)) return "sqlite:" + existing;
        var (storeUri, sampleTime, etlTime) = await QualityEndToEnd.SampleAndEtlAsync(work, tracks, seed, TextWriter.Null);
        BenchmarkReport.Info("sample + ETL", $"{tracks} tracks: sample {sampleTime.TotalSeconds:0.0} s, ETL {etlTime.TotalSeconds:0.0} s");
        return storeUri;
    }

    private static EvaluationReport Evaluate(List<ActivityEvent> log, TrackCatalog catalog, SimilarityIndex index, BlendOptions blend, SkipPolicy skips,
        CoListeningScoring? scoring = null) =>
        OfflineEvaluation.Run(log, catalog, index, new EvaluationOptions
        {
            Ks = [3, 10], Blend = blend, Reading = new TasteReading { Skips = skips }, CoListening = new CoListeningOptions { Scoring = scoring ?? new CoListeningOptions().Scoring },
        });

    /// <summary>The hidden-taste listeners' own choices, answered by their taste, with no recommender in the loop.</summary>
    private static async Task<List<ActivityEvent>> OrganicLogAsync(List<SimulatedTrack> catalogue, int users, int events, int seed)
    {
        var log = new List<ActivityEvent>();
        var tastes = new HiddenTastes(catalogue, new HiddenTasteOptions { Users = users, Seed = seed });
        await ClosedLoop.RunAsync(tastes, events, e =>
        {
            log.Add(e);
            return Task.FromResult<IReadOnlyList<int>>([]);
        }, follow: 0, seed: seed);
        return log;
    }
}
