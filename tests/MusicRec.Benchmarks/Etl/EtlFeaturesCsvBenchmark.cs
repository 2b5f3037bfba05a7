using System.Diagnostics;
using System.Globalization;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Catalog.Sample;
using MusicRec.IntegrationTests.Cluster;

namespace MusicRec.Benchmarks.Etl;

/// <summary>
/// ETL from metadata plus FMA's features.csv, no audio, at FMA's real size: sample metadata for 106,574 tracks and a
/// features.csv in FMA's layout (518 columns, '%.10e' values, about 950 MB) generated into a temp folder (not
/// timed), then `etl --features csv` in a child process (its own peak memory). Targets: under 120 s; peak working
/// set under 500 MB and flat in rows (106,574 vs 10,000 rows within 1.10x). Then the service's start-up on that
/// store: `musicrec serve` from launch to /readyz answering 200 (store opened, index built, bus and web up).
/// The load average is printed beside each figure (the machine is shared). Options: --tracks N (106574),
/// --small N (10000), --workers N (2), --dir DIR (kept; default a temp folder deleted afterwards), --no-serve.
/// </summary>
public sealed class EtlFeaturesCsvBenchmark : IBenchmark
{
    public string Name => "etl-features-csv";
    public string Description => "ETL from metadata + features.csv, no audio: 106,574 x 518 (< 120 s, < 500 MB, flat vs 10,000) and serve start-up";

    public async Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 106_574, positive: true);
        var small = BenchmarkOptions.Int(options, "--small", 10_000, positive: true);
        var workers = BenchmarkOptions.Text(options, "--workers", "2");
        var keep = BenchmarkOptions.Value(options, "--dir");
        var dir = keep ?? Path.Combine(Path.GetTempPath(), "musicrec-bench-features-csv-" + Guid.NewGuid().ToString("N"));
        var ok = true;
        try
        {
            BenchmarkReport.Info("machine", $"{Environment.ProcessorCount} cores");
            var smallRun = await RunAsync(dir, small, workers);
            var bigRun = await RunAsync(dir, tracks, workers);
            ok &= BenchmarkReport.Figure($"{tracks} tracks, whole ETL from features.csv", bigRun.Result.Seconds, "s", 120, lowerIsBetter: true);
            BenchmarkReport.Info("  load average", $"{bigRun.LoadBefore} before, {bigRun.LoadAfter} after");
            ok &= BenchmarkReport.Figure($"{tracks} tracks, peak memory", bigRun.Result.PeakMb, "MB", 500, lowerIsBetter: true);
            BenchmarkReport.Info($"{small} tracks beside it", $"{smallRun.Result.Seconds:0.0} s, peak {smallRun.Result.PeakMb:0} MB (load average {smallRun.LoadBefore} before, {smallRun.LoadAfter} after)");
            ok &= BenchmarkReport.Figure($"peak memory {tracks} vs {small} tracks", bigRun.Result.PeakMb / smallRun.Result.PeakMb, "x", 1.10, lowerIsBetter: true);
            BenchmarkReport.Info("rows/s", $"{tracks / bigRun.Result.Seconds:0} ({small / smallRun.Result.Seconds:0} at {small}); {bigRun.CsvMb / bigRun.Result.Seconds:0} MB/s of features.csv");
            if (!options.Contains("--no-serve"))
            {
                var load = BenchmarkReport.LoadAverage();
                var seconds = await ServeStartupAsync(Path.Combine(bigRun.OutDir, "musicrec.db"), Path.Combine(dir, "serve"));
                BenchmarkReport.Info($"serve start-up with {bigRun.Result.StoreCount} tracks (launch to /readyz 200, index build included)",
                    $"{seconds:0.0} s (load average {load} before, {BenchmarkReport.LoadAverage()} after)");
            }
            return ok;
        }
        finally
        {
            if (keep is null && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Run(EtlBenchmark.ChildResult Result, string LoadBefore, string LoadAfter, double CsvMb, string OutDir);

    private static async Task<Run> RunAsync(string dir, int tracks, string workers)
    {
        var catalogue = Path.Combine(dir, $"catalogue-{tracks}");
        var metadata = SampleCatalog.MetadataDir(catalogue);
        var features = Path.Combine(metadata, FmaFeaturesCsvReader.FileName);
        if (!File.Exists(features)) await GenerateAsync(catalogue, tracks);
        var csvMb = new FileInfo(features).Length / 1e6;
        BenchmarkReport.Info($"features.csv, {tracks} rows", $"{csvMb:0} MB; tracks.csv {new FileInfo(Path.Combine(metadata, "tracks.csv")).Length / 1e6:0} MB");
        var outDir = Path.Combine(dir, $"out-{tracks}");
        GC.Collect();
        var before = BenchmarkReport.LoadAverage();
        var result = await EtlBenchmark.RunChildAsync(metadata, Path.Combine(dir, "no-audio"), outDir, workers, "--features", "csv");
        var after = BenchmarkReport.LoadAverage();
        BenchmarkReport.Info($"{tracks} tracks", $"{result.Tracks} in final.csv, {result.Rejects} rejects, {result.Seconds:0.0} s wall, CPU {result.CpuSeconds:0.0} s, " +
                                                 $"peak {result.PeakMb:0} MB, store {result.StoreCount} (load average {before} before, {after} after)");
        if (result.Tracks != tracks || result.StoreCount != tracks)
            throw new InvalidOperationException($"expected {tracks} tracks in final.csv and the store, got {result.Tracks} and {result.StoreCount}");
        return new Run(result, before, after, csvMb, outDir);
    }

    /// <summary>Sample metadata (no audio) and a features.csv in FMA's layout for the same track ids.</summary>
    private static async Task GenerateAsync(string catalogue, int tracks)
    {
        var clock = Stopwatch.StartNew();
        var scale = tracks / 106_574.0;
        var sample = new SampleOptions
        {
            Tracks = tracks, WriteAudio = false, EchonestFraction = 13_129 / 106_574.0,
            Albums = Math.Max(1, (int)(15_000 * scale)), Artists = Math.Max(1, (int)(17_000 * scale)),
        };
        var summary = await SampleCatalog.WriteAsync(catalogue, sample);
        var ids = new SampleLayout(sample.Tracks, sample.Seed, sample.Artists, sample.Albums).Slots.Select(s => s.Id).Order().ToList();
        var path = Path.Combine(summary.MetadataDir, FmaFeaturesCsvReader.FileName);
        using (var w = new FmaFeaturesCsvWriter(path + ".tmp"))
        {
            // Magnitudes like FMA's (chroma ~0.5, MFCC c1 ~-150, centroid ~2000 Hz...), varied per track and column.
            var scales = FmaFeatureColumns.VectorOrder.Select(Scale).ToArray();
            var v = new double[FmaFeatureColumns.Count];
            foreach (var id in ids)
            {
                var rng = new Random(id);
                for (var i = 0; i < v.Length; i++) v[i] = scales[i] * (1 + 0.3 * BenchmarkRandom.Gaussian(rng));
                w.Write(id, v);
            }
        }
        File.Move(path + ".tmp", path, overwrite: true);
        BenchmarkReport.Info("generated", $"{tracks} tracks of metadata and features.csv in {clock.Elapsed.TotalSeconds:0} s (not timed)");
    }

    private static double Scale(string column) => column switch
    {
        _ when column.StartsWith("mfcc_mean_01", StringComparison.Ordinal) => -150,
        _ when column.StartsWith("mfcc_", StringComparison.Ordinal) => 20,
        _ when column.StartsWith("spectral_contrast", StringComparison.Ordinal) => 20,
        _ when column.StartsWith("spectral_", StringComparison.Ordinal) => 2000,
        _ when column.StartsWith("chroma", StringComparison.Ordinal) => 0.5,
        _ when column.StartsWith("tonnetz", StringComparison.Ordinal) => 0.05,
        _ => 0.1,
    };

    /// <summary>`musicrec serve` on the store, from launch until /readyz answers 200; the process is stopped after.</summary>
    private static async Task<double> ServeStartupAsync(string storePath, string workDir)
    {
        var port = ClusterTestEnvironment.FreePort();
        var clock = Stopwatch.StartNew();
        await using var serve = ServiceNode.StartWithWeb("serve", port, workDir, ["--store", "sqlite:" + storePath, "--web", $"http://127.0.0.1:{port}"]);
        await serve.WaitReadyAsync(TimeSpan.FromMinutes(5));
        return clock.Elapsed.TotalSeconds;
    }
}
