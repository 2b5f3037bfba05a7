using System.Diagnostics;
using MusicRec.Catalog.Sample;

namespace MusicRec.Benchmarks.Catalog;

/// <summary>
/// `musicrec sample` at the demo size: 400 tracks with 30 s clips into a temp folder. Target: under 30 s wall
/// on this 2-core machine. CPU time is printed too, since wall time depends on what else the machine runs.
/// Options: --tracks N, --per-style (single-threaded render time of each genre's synthesiser).
/// </summary>
public sealed class SampleAudioBenchmark : IBenchmark
{
    public string Name => "sample-audio";
    public string Description => "musicrec sample: 400 tracks of 30 s synthesised audio plus metadata (target < 30 s)";

    public async Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", SampleCatalog.DefaultTracks);
        if (options.Contains("--per-style")) PerStyle();
        var dir = Path.Combine(Path.GetTempPath(), "musicrec-bench-sample-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var summary = await SampleCatalog.WriteAsync(dir, tracks, SampleCatalog.DefaultSeed);
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            var bytes = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            BenchmarkReport.Info("machine", $"{Environment.ProcessorCount} cores, load average {BenchmarkReport.LoadAverage()}");
            BenchmarkReport.Info("written", $"{summary.Tracks} tracks, {bytes / 1e6:0} MB");
            BenchmarkReport.Info("cpu time", $"{cpu:0.0} s ({cpu / Environment.ProcessorCount:0.0} s per core if spread evenly)");
            return BenchmarkReport.Figure($"wall time for {tracks} tracks", summary.Elapsed.TotalSeconds, "s", 30.0 * tracks / SampleCatalog.DefaultTracks, lowerIsBetter: true);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void PerStyle()
    {
        var buf = new float[SampleCatalog.ClipSeconds * SampleCatalog.SampleRate];
        var scratch = new float[buf.Length];
        foreach (var style in SampleStyle.All)
        {
            var clock = Stopwatch.StartNew();
            const int Runs = 3;
            for (var r = 0; r < Runs; r++)
            {
                var rng = SampleRng.For(1, SampleRng.Stream.Audio, r);
                StyleRenderer.Render(buf, scratch, style.Plan(ref rng), ref rng);
            }
            BenchmarkReport.Info($"render {style.Title}", $"{clock.Elapsed.TotalMilliseconds / Runs:0} ms per 30 s clip");
        }
    }
}
