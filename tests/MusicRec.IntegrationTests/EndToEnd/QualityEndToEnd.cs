using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MusicRec.Catalog.Sample;
using MusicRec.Contracts;
using MusicRec.Host.Commands;
using MusicRec.Recommendation;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;
using MusicRec.Streaming.Transport;

namespace MusicRec.IntegrationTests.EndToEnd;

/// <summary>What one run of the end-to-end quality check measured.</summary>
public sealed record QualityEndToEndResult(
    int Tracks, int Genres, int Users, int EventsPerUser, long EventsSent, long EventsApplied, long DeadLettered,
    int Batches, int RecommendedTracks, int InFavouriteGenre, int MalformedBatches, double RandomBaseline,
    double NeighbourAgreement, int IndexDimensions, double OtherGenreShare, TimeSpan SampleTime, TimeSpan EtlTime, TimeSpan SimulationTime)
{
    public double FavouriteGenreShare => RecommendedTracks == 0 ? 0 : (double)InFavouriteGenre / RecommendedTracks;

    public override string ToString() =>
        $"{FavouriteGenreShare:P1} of {RecommendedTracks} recommended tracks in the user's favourite genre " +
        $"({Batches} batches, {Users} users x {EventsPerUser} events, {Tracks} tracks in {Genres} genres; random would give {RandomBaseline:P1}; " +
        $"{MalformedBatches} malformed batches; control: {OtherGenreShare:P1} in another fixed genre per user; index {IndexDimensions} dims, 10-NN genre agreement {NeighbourAgreement:P1}; " +
        (EtlTime > TimeSpan.Zero ? $"sample {SampleTime.TotalSeconds:0.0} s, ETL {EtlTime.TotalSeconds:0.0} s, " : "store reused, ") +
        $"simulation {SimulationTime.TotalSeconds:0.0} s)";
}

/// <summary>
/// The issue's quality check on the real pipeline: `musicrec sample` audio → `musicrec etl` (real DSP, scaler,
/// SQLite store) → SimilarityIndex from the store → ActivitySimulator users (favourite top-level genre, taste near
/// one of its tracks) publishing on the in-process bus → the real ActivityPipeline → the real UserRecommenderActor
/// (local parent, in-memory journal) → batches read back from the recommendations topic. The figure is the share of
/// recommended tracks whose genre is the favourite genre of the user they were sent to.
/// </summary>
public static class QualityEndToEnd
{
    public sealed record Options(int Tracks = 200, int Users = 48, int EventsPerUser = 20, int Seed = 42)
    {
        public int SimulatorSeed { get; init; } = 1;
        public SimilarityIndexOptions Index { get; init; } = new();
        /// <summary>Written by an earlier run (sample + ETL already done there) to reuse; null runs them here.</summary>
        public string? ExistingStore { get; init; }
    }

    /// <summary>Generates the sample catalogue into <paramref name="work"/> and runs the real ETL; returns the store URI.</summary>
    public static async Task<(string Store, TimeSpan SampleTime, TimeSpan EtlTime)> SampleAndEtlAsync(string work, int tracks, int seed, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var sample = Path.Combine(work, "sample");
        await SampleCatalog.WriteAsync(sample, tracks, seed);
        var sampleTime = clock.Elapsed;
        clock.Restart();
        var outDir = Path.Combine(work, "etl");
        var store = "sqlite:" + Path.Combine(outDir, "musicrec.db");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await EtlCommand.RunAsync(
            new EtlCommand.EtlCommandArgs(SampleCatalog.MetadataDir(sample), SampleCatalog.AudioDir(sample), outDir, store,
                Math.Max(1, Math.Min(2, Environment.ProcessorCount)), false),
            stdout, stderr, redirected: true, _ => null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(8));
        log.WriteLine(stdout.ToString().TrimEnd());
        if (code != 0) throw new InvalidOperationException($"musicrec etl exited {code}: {stderr}");
        return (store, sampleTime, clock.Elapsed);
    }

    public static async Task<QualityEndToEndResult> RunAsync(string work, Options options, TextWriter log)
    {
        var (store, sampleTime, etlTime) = options.ExistingStore is { } existing
            ? (existing, TimeSpan.Zero, TimeSpan.Zero)
            : await SampleAndEtlAsync(work, options.Tracks, options.Seed, log);

        SimilarityIndex index;
        IReadOnlyList<SimulatedTrack> catalogue;
        await using (var s = TrackStoreFactory.Open(store))
        {
            index = await SimilarityIndex.BuildAsync(s.StreamAllAsync(), options.Index);
            catalogue = await ActivitySimulator.LoadCatalogueAsync(s);
        }
        if (index.Skipped.Count > 0)
            log.WriteLine($"index skipped {index.Skipped.Count} documents: {string.Join("; ", index.Skipped.Take(3))}");

        // The simulator knows genres by top-level id, the batches by title: the index holds both for every track.
        var genreTitle = index.Tracks.Where(t => t.GenreId is not null)
            .GroupBy(t => t.GenreId!.Value).ToDictionary(g => g.Key, g => g.First().Genre);
        var simulator = new ActivitySimulator(catalogue,
            new SimulatorOptions(options.Users, options.EventsPerUser, Seed: options.SimulatorSeed) { UserPrefix = "e2e-" });
        var favourite = simulator.FavouriteGenres.ToDictionary(u => u.Key, u => genreTitle[u.Value]);

        var bus = new InProcessBus();
        using var transport = new InProcessTransport(bus);
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("quality-" + Guid.NewGuid().ToString("N")[..8], (builder, _) =>
            {
                builder.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                builder.WithMusicRecPersistence(PersistenceOptions.InMemory());
                builder.AddUserRecommenders(new RecommenderOptions { UseSharding = false, Index = index });
            }))
            .Build();
        await host.StartAsync();
        var clock = Stopwatch.StartNew();
        SimulationResult sent;
        long applied, deadLettered;
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<UserRecommenderRegion>();
            var pipeline = ActivityPipeline.Start(system, transport, region, index.Contains,
                new ActivityPipelineSettings { GroupId = "quality-e2e" });
            using (var publisher = new TransportActivityPublisher(transport))
                sent = await simulator.RunAsync(publisher);
            if (sent.Failed > 0) throw new InvalidOperationException($"{sent.Failed} publishes failed: {sent.FirstError}");

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (pipeline.Metrics.EventsApplied + pipeline.Metrics.EventsDeadLettered < sent.Sent && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            await pipeline.DrainAndShutdownAsync();
            applied = pipeline.Metrics.EventsApplied;
            deadLettered = pipeline.Metrics.EventsDeadLettered;
        }
        finally
        {
            await host.StopAsync();
        }
        var simulationTime = clock.Elapsed;

        var batches = bus.ReadAll(Topics.Recommendations)
            .Select(r => StreamingJson.Deserialize<RecommendationBatch>(Encoding.UTF8.GetString(r.Value!))!)
            .ToList();
        var recommended = batches.Sum(b => b.Tracks.Count);
        var inGenre = batches.Sum(b => b.Tracks.Count(t => t.Genre == favourite[b.UserId]));
        var malformed = batches.Count(b => b.Tracks.Count != UserTasteState.BatchSize || b.Tracks.Select(t => t.TrackId).Distinct().Count() != b.Tracks.Count);
        // Control: the same batches scored against a genre the user does not favour (the next one in order)
        // must score near the random baseline, or the measurement itself does not discriminate.
        var titles = genreTitle.Values.Distinct().Order(StringComparer.Ordinal).ToList();
        var other = favourite.ToDictionary(u => u.Key, u => titles[(titles.IndexOf(u.Value) + 1) % titles.Count]);
        var inOther = batches.Sum(b => b.Tracks.Count(t => t.Genre == other[b.UserId]));
        var genreShare = index.Tracks.GroupBy(t => t.Genre).ToDictionary(g => g.Key, g => (double)g.Count() / index.Count);
        var baseline = favourite.Values.Average(g => genreShare.GetValueOrDefault(g));

        return new QualityEndToEndResult(index.Count, genreTitle.Count, options.Users, options.EventsPerUser, sent.Sent, applied,
            deadLettered, batches.Count, recommended, inGenre, malformed, baseline,
            RecommendationQuality.NeighbourGenreAgreement(index), index.Dimensions,
            recommended == 0 ? 0 : (double)inOther / recommended, sampleTime, etlTime, simulationTime);
    }
}
