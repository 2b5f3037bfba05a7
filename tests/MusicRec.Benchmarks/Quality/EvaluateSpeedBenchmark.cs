using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace MusicRec.Benchmarks.Quality;

/// <summary>
/// `musicrec evaluate` on a log of 1 million hidden-taste events over the sample catalogue (sample → ETL → SQLite,
/// kept with --work DIR): the whole command, parsing and replay, against the one-minute target.
/// Options: --events N (1000000) --users U (10000) --tracks T (400) --work DIR.
/// </summary>
public sealed class EvaluateSpeedBenchmark : IBenchmark
{
    public string Name => "evaluate-speed";
    public string Description => "musicrec evaluate on 1 million events of the sample catalogue (target under a minute)";

    public async Task<bool> RunAsync(string[] options)
    {
        var events = BenchmarkOptions.Int(options, "--events", 1_000_000, positive: true);
        var users = BenchmarkOptions.Int(options, "--users", 10_000, positive: true);
        var tracks = BenchmarkOptions.Int(options, "--tracks", 400, positive: true);
        var kept = BenchmarkOptions.Value(options, "--work");
        var work = kept ?? Path.Combine(Path.GetTempPath(), $"musicrec-evaluate-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var storeUri = await HybridQualityBenchmark.SampleStoreAsync(work, reuse: kept is not null, tracks, 42);
            IReadOnlyList<SimulatedTrack> catalogue;
            await using (var store = TrackStoreFactory.Open(storeUri, createIfMissing: false))
                catalogue = await ActivitySimulator.LoadCatalogueAsync(store);
            var log = Path.Combine(work, "activity.jsonl");
            await using (var writer = new StreamWriter(log))
            {
                var tastes = new HiddenTastes(catalogue, new HiddenTasteOptions { Users = users, Seed = 5 });
                await ClosedLoop.RunAsync(tastes, (events + users - 1) / users, async e =>
                {
                    await writer.WriteLineAsync(StreamingJson.Serialize(e));
                    return [];
                }, follow: 0, seed: 5);
            }
            var clock = Stopwatch.StartNew();
            var output = new StringWriter();
            var code = await EvaluateCommand.RunAsync(log, storeUri, "3,10", null, "seen", 1, output, TextWriter.Null, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            foreach (var line in output.ToString().Split('\n').Where(l => l.Trim().Length > 0)) Console.WriteLine("  " + line.TrimEnd());
            BenchmarkReport.Info("load", BenchmarkReport.LoadAverage());
            return BenchmarkReport.Figure($"musicrec evaluate, {events:N0} events", seconds, "s", 60, lowerIsBetter: true) && code == 0;
        }
        finally
        {
            try { if (kept is null) Directory.Delete(work, recursive: true); }
            catch (IOException e) { Console.WriteLine($"  could not remove {work}: {e.Message}"); }
        }
    }
}
