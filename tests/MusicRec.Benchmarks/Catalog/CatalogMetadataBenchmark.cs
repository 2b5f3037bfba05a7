using System.Diagnostics;
using MusicRec.Catalog;
using MusicRec.Catalog.Sample;

namespace MusicRec.Benchmarks.Catalog;

/// <summary>
/// Extraction and merge at the real FMA size: 106,574 tracks, 15,000 albums, 17,000 artists and echonest rows for
/// ~12% of tracks (FMA: 13,129), generated metadata-only by the sample writer into a temp folder. Every track gets
/// an empty .wav in the audio folder (made before timing), so each track is resolved the FMA way (.mp3 missed,
/// .wav found) and merged; none is a reject. Timed: FmaCatalogReader over all files plus writing final.csv
/// (metadata columns) and rejects.csv. Targets: under 60 s and under 300 MB peak working set.
/// Options: --tracks N (default 106574).
/// </summary>
public sealed class CatalogMetadataBenchmark : IBenchmark
{
    public string Name => "catalog-metadata";
    public string Description => "FMA metadata extraction + merge at real size (106,574 tracks; target < 60 s, < 300 MB)";

    public async Task<bool> RunAsync(string[] options)
    {
        var tracks = BenchmarkOptions.Int(options, "--tracks", 106_574);
        var scale = tracks / 106_574.0;
        var dir = Path.Combine(Path.GetTempPath(), "musicrec-bench-catalog-" + Guid.NewGuid().ToString("N"));
        try
        {
            var gen = Stopwatch.StartNew();
            var sample = new SampleOptions
            {
                Tracks = tracks, WriteAudio = false, EchonestFraction = 13_129 / 106_574.0,
                Albums = Math.Max(1, (int)(15_000 * scale)), Artists = Math.Max(1, (int)(17_000 * scale)),
            };
            var summary = await SampleCatalog.WriteAsync(dir, sample);
            var audioDir = summary.AudioDir;
            var ids = new SampleLayout(sample.Tracks, sample.Seed, sample.Artists, sample.Albums).Slots.Select(s => s.Id).ToList();
            foreach (var id in ids)
            {
                var path = Path.Combine(audioDir, FmaCatalogReader.AudioStem(id) + ".wav");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Create(path).Dispose();
            }
            BenchmarkReport.Info("machine", $"{Environment.ProcessorCount} cores, load average {BenchmarkReport.LoadAverage()}");
            BenchmarkReport.Info("generated", $"{summary.Tracks} tracks, {summary.Albums} albums, {summary.Artists} artists, {summary.EchonestRows} echonest rows, {ids.Count} empty clips in {gen.Elapsed.TotalSeconds:0.0} s (not timed)");
            foreach (var f in Directory.GetFiles(summary.MetadataDir).Order())
                BenchmarkReport.Info(Path.GetFileName(f), $"{new FileInfo(f).Length / 1e6:0.0} MB");

            GC.Collect();
            var peakSampler = new PeakSampler();
            var clock = Stopwatch.StartNew();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var warnings = new List<string>();
            long merged = 0, rejected = 0;
            var outDir = Path.Combine(dir, "out");
            using (var final = new FinalCsvWriter(Path.Combine(outDir, "final.csv")))
            using (var rejects = new RejectsCsvWriter(Path.Combine(outDir, "rejects.csv")))
            {
                var reader = new FmaCatalogReader(summary.MetadataDir, audioDir, warnings.Add);
                foreach (var track in reader.ReadTracks(r => { rejects.Write(r); rejected++; }))
                {
                    final.Write(track, null);
                    merged++;
                }
                final.Commit();
                rejects.Commit();
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            var readPeak = peakSampler.Stop();

            BenchmarkReport.Info("result", $"{merged} tracks merged, {rejected} rejects, warnings: {string.Join("; ", warnings)}");
            BenchmarkReport.Info("final.csv", $"{new FileInfo(Path.Combine(outDir, "final.csv")).Length / 1e6:0.0} MB");
            BenchmarkReport.Info("cpu time", $"{cpu:0.0} s; {merged / seconds:0} tracks/s");
            BenchmarkReport.Info("peak working set during extraction (sampled every 20 ms)", $"{readPeak / 1e6:0} MB");
            var ok = merged + rejected == tracks && rejected == 0;
            if (!ok) Console.WriteLine($"  accounting: expected {tracks} merged, got {merged} merged + {rejected} rejects");
            ok &= BenchmarkReport.Figure("extraction + merge + final.csv", seconds, "s", 60, lowerIsBetter: true);
            ok &= BenchmarkReport.Figure("peak working set (whole process, incl. generation)", BenchmarkReport.PeakWorkingSetBytes() / 1e6, "MB", 300, lowerIsBetter: true);
            return ok;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Samples the working set on a timer (PeakWorkingSet64 cannot be reset between phases).</summary>
    private sealed class PeakSampler
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakSampler() => _timer = new Timer(_ => Sample(), null, 0, 20);

        private void Sample()
        {
            var ws = Environment.WorkingSet;
            if (ws > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, ws);
        }

        public long Stop()
        {
            _timer.Dispose();
            Sample();
            return _peak;
        }
    }
}
