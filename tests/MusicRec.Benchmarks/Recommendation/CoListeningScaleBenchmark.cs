using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace MusicRec.Benchmarks.Recommendation;

/// <summary>
/// The co-listening model at scale: a synthetic stream over 100,000 tracks (listeners in groups with shared
/// favourites over a long-tailed catalogue) fed through <see cref="CoListeningModel.Observe"/> alone; prints events/s
/// of model updates, the managed memory the model holds after 10 million events (target ≤ 300 MB), and HR@10 of the
/// co-listening source on the next positive plays of the stream's last listeners, beside each figure.
/// Options: --tracks N (100000) --events E (10000000) --users U (200000) --groups G (2000) --scoring cosine|llr (cosine) --window W (20).
/// </summary>
public sealed class CoListeningScaleBenchmark : IBenchmark
{
    public string Name => "colistening-scale";
    public string Description => "co-listening model: update events/s, memory at 100,000 tracks and 10 million events, HR@10";

    public Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 100_000, positive: true);
        var events = BenchmarkOptions.Int(options, "--events", 10_000_000, positive: true);
        var users = BenchmarkOptions.Int(options, "--users", 200_000, positive: true);
        var groups = BenchmarkOptions.Int(options, "--groups", 2_000, positive: true);
        var scoring = BenchmarkOptions.Text(options, "--scoring", "cosine") == "llr" ? CoListeningScoring.Llr : CoListeningScoring.Cosine;
        var window = BenchmarkOptions.Int(options, "--window", new CoListeningOptions().UserWindow, positive: true);
        const int favourites = 100, probes = 2_000;

        // Groups share 100 favourites spread over the catalogue; 70% of plays go to them, the rest to a Zipf tail.
        var random = new Random(11);
        var groupTracks = Enumerable.Range(0, groups).Select(_ => Enumerable.Range(0, favourites).Select(_ => random.Next(tracks) + 1).ToArray()).ToArray();
        var zipf = new double[tracks];
        double sum = 0;
        for (var i = 0; i < tracks; i++) zipf[i] = sum += 1 / Math.Pow(i + 1, 0.8);
        int Tail() => Math.Min(~Array.BinarySearch(zipf, random.NextDouble() * sum) is var i && i >= 0 ? i : 0, tracks - 1) + 1;
        int Pick(int user) => random.NextDouble() < 0.7 ? groupTracks[user % groups][random.Next(favourites)] : Tail();
        var userIds = Enumerable.Range(0, users).Select(u => $"u{u}").ToArray();
        string Action() => random.Next(10) switch { < 3 => Actions.Like, < 9 => Actions.Listen, _ => Actions.Skip };

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        // Rows reserved for the catalogue, as the service's ListeningModel does.
        var model = new CoListeningModel(new CoListeningOptions { Scoring = scoring, UserWindow = window }, tracks);
        // Events are generated in chunks outside the timed part, so the figure is the model's cost alone.
        var chunk = new (int User, int Track, string Action)[100_000];
        var timed = TimeSpan.Zero;
        for (var done = 0; done < events; done += chunk.Length)
        {
            var n = Math.Min(chunk.Length, events - done);
            for (var i = 0; i < n; i++)
            {
                var u = random.Next(users);
                chunk[i] = (u, Pick(u), Action());
            }
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) model.Observe(userIds[chunk[i].User], chunk[i].Track, chunk[i].Action);
            timed += clock.Elapsed;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        var rate = events / timed.TotalSeconds;

        // HR@10: probe listeners' recent plays as history, their next favourite play as the target.
        var catalog = TrackCatalog.FromIds(Enumerable.Range(1, tracks));
        var source = new CoListeningSource(model, catalog);
        var hits = 0;
        var clockQuery = Stopwatch.StartNew();
        for (var p = 0; p < probes; p++)
        {
            var u = random.Next(users);
            var history = Enumerable.Range(0, 10).Select(_ => new HistoryEntry(groupTracks[u % groups][random.Next(favourites)], Actions.Listen)).ToList();
            var heard = history.Select(h => h.TrackId).ToHashSet();
            int target;
            do target = groupTracks[u % groups][random.Next(favourites)]; while (heard.Contains(target));
            var into = new List<Candidate>();
            source.Collect(new RecommendationContext(userIds[u], history, heard.Contains) { Count = 10 }, 10, into);
            if (into.Exists(c => c.TrackId == target)) hits++;
        }
        var queryMs = clockQuery.Elapsed.TotalMilliseconds / probes;
        var hr = (double)hits / probes;
        var randomHr = 10.0 / tracks;

        BenchmarkReport.Info("stream", $"{events:N0} events, {users:N0} listeners in {groups:N0} groups, {tracks:N0} tracks, scoring {scoring}; load {BenchmarkReport.LoadAverage()}");
        BenchmarkReport.Info("model", $"{model.Tracks:N0} tracks, {model.Counters:N0} counters, {model.Listeners:N0} listener windows, {model.Occurrences:N0} counted plays");
        BenchmarkReport.Info("HR@10 of the co-listening source (next favourite of 2,000 probe listeners)", $"{hr:0.000} (random {randomHr:0.00000}); query {queryMs:0.000} ms");
        var ok = BenchmarkReport.Figure($"model updates alone (HR@10 {hr:0.000})", rate, "events/s", 20_000, lowerIsBetter: false);
        ok &= BenchmarkReport.Figure($"model memory after {events:N0} events (HR@10 {hr:0.000})", bytes / 1e6, "MB", 300, lowerIsBetter: true);
        return Task.FromResult(ok);
    }
}
