using System.Diagnostics;
using MusicRec.Recommendation;

namespace MusicRec.Benchmarks.Recommendation;

/// <summary>
/// Tunes the HNSW graph of <see cref="SimilarityIndex"/>: builds it once over N random (or clustered) 32-dimensional
/// vectors, then for several query beams reports recall@3 against the exact scan, rows scored per query and latency.
/// Options: --tracks N (100000) --m M (16) --ef-build E (100) --beams 16,32,64,128 --k K (3) --clustered.
/// </summary>
public sealed class GraphTuneBenchmark : IBenchmark
{
    public string Name => "similarity-graph-tune";
    public string Description => "HNSW graph: build time, then recall@3 / rows scored / latency per query beam";

    public Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 100_000);
        var clustered = options.Contains("--clustered");
        var random = new Random(42);
        var dims = 32;
        var centres = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)BenchmarkRandom.Gaussian(random) * 0.6f).ToArray()).ToArray();
        var raw = Enumerable.Range(0, tracks).Select(i => Enumerable.Range(0, dims)
            .Select(d => (float)BenchmarkRandom.Gaussian(random) + (clustered ? centres[i % 8][d] : 0)).ToArray()).ToList();
        var infos = Enumerable.Range(0, tracks).Select(i => new TrackInfo(i + 1, "", "", "g", null)).ToList();
        var defaults = new SimilarityIndexOptions();
        var buildCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var index = SimilarityIndex.FromVectors(infos, raw, defaults with
        {
            ExactScanBelow = 1000,
            GraphLinks = BenchmarkOptions.Int(options, "--m", defaults.GraphLinks),
            GraphBuildBeam = BenchmarkOptions.Int(options, "--ef-build", defaults.GraphBuildBeam),
        });
        BenchmarkReport.Info("build", $"{sw.Elapsed.TotalSeconds:0.00} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - buildCpu).TotalSeconds:0.00} s CPU, {index.SearchMethod}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var graph = index.Graph ?? throw new InvalidOperationException("no graph");
        var queryRandom = new Random(11);
        var queries = Enumerable.Range(0, 500).Select(_ =>
        {
            float[] q;
            if (clustered)
            {
                q = index.VectorOf(random.Next(tracks) + 1).ToArray();
                for (var d = 0; d < dims; d++) q[d] += (float)BenchmarkRandom.Gaussian(queryRandom) * 0.1f;
            }
            else
            {
                q = new float[index.Stride];
                for (var d = 0; d < dims; d++) q[d] = (float)BenchmarkRandom.Gaussian(queryRandom);
            }
            SimilarityIndex.Normalise(q);
            return q;
        }).ToList();
        var k = BenchmarkOptions.Int(options, "--k", 3);
        var exact = queries.Select(q => { var b = new ScoredTrack[k]; index.ExactTopK(q, b); return b.Select(h => h.TrackId).ToHashSet(); }).ToList();
        {
            var times = new List<double>();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var b = new ScoredTrack[3];
            foreach (var q in queries.Take(200))
            {
                var start = Stopwatch.GetTimestamp();
                index.ExactTopK(q, b);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1000);
            }
            times.Sort();
            var cpuPerQuery = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / 200;
            BenchmarkReport.Info("exact scan (calibration)", $"p50 {times[times.Count / 2]:0.0} µs = {times[times.Count / 2] * 1000 / tracks:0.00} ns/row, CPU {cpuPerQuery:0.0} µs/query");
        }
        var beams = (BenchmarkOptions.Text(options, "--beams", "16,32,64,128")).Split(',').Select(int.Parse);
        var best = new ScoredTrack[k];
        foreach (var beam in beams)
        {
            for (var w = 0; w < 100; w++) graph.TopK(queries[w], best, null, beam);
            double hits = 0;
            var times = new List<double>();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < queries.Count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var n = graph.TopK(queries[i], best, null, beam);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1000);
                hits += best.Take(n).Count(h => exact[i].Contains(h.TrackId)) / (double)k;
            }
            var cpuPerQuery = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / queries.Count;
            times.Sort();
            BenchmarkReport.Info($"beam {beam}", $"recall@{k} {hits / queries.Count:0.000}, p50 {times[times.Count / 2]:0.0} µs, p99 {times[(int)(times.Count * 0.99)]:0.0} µs, CPU {cpuPerQuery:0.0} µs/query");
        }
        return Task.FromResult(true);
    }
}
