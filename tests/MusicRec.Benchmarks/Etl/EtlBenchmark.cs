using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Catalog.Sample;
using MusicRec.Dsp;
using MusicRec.Etl;
using MusicRec.Stores;

namespace MusicRec.Benchmarks.Etl;

/// <summary>
/// Whole ETL (metadata merge, decode, features, normalise, final.csv, SQLite upsert, read-back) over sample
/// catalogues, each run in a child process so its peak memory is its own:
/// 1,000 sample WAV clips (target >= 40 clips/s), 1,000 tracks of 44.1 kHz stereo MP3 (>= 20 clips/s),
/// and 10,000 tracks (memory must stay under 400 MB and not grow from 1,000 to 10,000).
/// Options: --dir DIR (work folder, reused between runs), --clips N (1000), --large N (10000, 0 to skip),
/// --mp3-distinct N (distinct MP3 encodings, hard-linked to all track ids; 100), --no-mp3, --workers N (2).
/// </summary>
public sealed class EtlBenchmark : IBenchmark
{
    public string Name => "etl";
    public string Description => "whole ETL: 1,000 WAV clips, 1,000 MP3 clips, memory at 1,000 vs 10,000 clips (2 workers)";

    public async Task<bool> RunAsync(string[] options)
    {
        var dir = BenchmarkOptions.Value(options, "--dir") ?? Path.Combine(Path.GetTempPath(), "musicrec-bench-etl");
        var clips = BenchmarkOptions.Int(options, "--clips", 1000);
        var large = BenchmarkOptions.Int(options, "--large", 10000);
        var mp3Distinct = BenchmarkOptions.Int(options, "--mp3-distinct", 100);
        var workers = BenchmarkOptions.Value(options, "--workers") ?? "2";
        var ok = true;

        // 1. WAV: the sample catalogue as `musicrec sample` writes it.
        var wav = Path.Combine(dir, $"wav-{clips}");
        if (!SampleCatalog.Exists(wav))
        {
            var made = await SampleCatalog.WriteAsync(wav, new SampleOptions { Tracks = clips, Seed = 42 });
            BenchmarkReport.Info("sample catalogue", $"{made.Tracks} WAV clips written in {made.Elapsed.TotalSeconds:0.0} s");
        }
        var wavRun = await RunChildAsync(SampleCatalog.MetadataDir(wav), SampleCatalog.AudioDir(wav), Path.Combine(dir, "out-wav"), workers);
        Report($"{clips} WAV clips", wavRun);
        ok &= BenchmarkReport.Figure($"{clips} WAV clips, whole ETL", wavRun.ClipsPerSecond, "clips/s", 40, lowerIsBetter: false);
        ok &= BenchmarkReport.Figure($"{clips} WAV clips, peak memory", wavRun.PeakMb, "MB", 400, lowerIsBetter: true);

        // 2. MP3: the same metadata, audio as 44.1 kHz stereo MP3 made by Debian's lame.
        if (!options.Contains("--no-mp3"))
        {
            var mp3Audio = Path.Combine(dir, $"mp3-{clips}-audio");
            if (!await EnsureMp3CatalogueAsync(wav, mp3Audio, mp3Distinct)) return false;
            var mp3Run = await RunChildAsync(SampleCatalog.MetadataDir(wav), mp3Audio, Path.Combine(dir, "out-mp3"), workers);
            Report($"{clips} MP3 clips", mp3Run);
            ok &= BenchmarkReport.Figure($"{clips} MP3 44.1 kHz stereo clips, whole ETL", mp3Run.ClipsPerSecond, "clips/s", 20, lowerIsBetter: false);
        }

        // 3. Memory flatness: 10,000 tracks, audio hard-linked from the 1,000 WAV clips (the decode work is the same).
        if (large > 0)
        {
            var big = Path.Combine(dir, $"wav-{large}");
            await EnsureLinkedCatalogueAsync(big, large, SampleCatalog.AudioDir(wav));
            var bigRun = await RunChildAsync(SampleCatalog.MetadataDir(big), SampleCatalog.AudioDir(big), Path.Combine(dir, "out-large"), workers);
            Report($"{large} WAV clips", bigRun);
            ok &= BenchmarkReport.Figure($"{large} WAV clips, peak memory", bigRun.PeakMb, "MB", 400, lowerIsBetter: true);
            ok &= BenchmarkReport.Figure($"peak memory {large} vs {clips} clips", bigRun.PeakMb / wavRun.PeakMb, "x", 1.10, lowerIsBetter: true);
        }
        return ok;
    }

    private static void Report(string what, ChildResult r) =>
        BenchmarkReport.Info(what, $"{r.Tracks} tracks, {r.Rejects} rejects in {r.Seconds:0.0} s wall = {r.ClipsPerSecond:0.0} clips/s; " +
                                   $"process CPU {r.CpuSeconds:0.0} s = {1000 * r.CpuSeconds / Math.Max(1, r.Tracks):0.0} ms/clip " +
                                   $"(on {Environment.ProcessorCount} idle cores that is {Environment.ProcessorCount * r.Tracks / Math.Max(0.001, r.CpuSeconds):0} clips/s); " +
                                   $"peak working set {r.PeakMb:0} MB; store count {r.StoreCount}");

    internal sealed record ChildResult(int Tracks, int Rejects, double Seconds, double CpuSeconds, double PeakMb, long StoreCount)
    {
        public double ClipsPerSecond => Seconds > 0 ? Tracks / Seconds : 0;
    }

    /// <summary>One ETL from scratch (output folder emptied) in a child process, so peak memory is measured alone.</summary>
    internal static async Task<ChildResult> RunChildAsync(string metadata, string audio, string outDir, string workers, params string[] extra)
    {
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        // The child runs with MusicRec.Host's runtime configuration (GC and JIT settings), so its memory is that of
        // `musicrec etl`, not of this benchmark process's settings.
        var hostConfig = Path.Combine(AppContext.BaseDirectory, "MusicRec.Host.runtimeconfig.json");
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "exec", "--runtimeconfig", hostConfig, typeof(EtlBenchmark).Assembly.Location })
            start.ArgumentList.Add(a);
        foreach (var a in (string[])[EtlChildRun.ChildName, "--metadata", metadata, "--audio", audio, "--out", outDir, "--workers", workers, .. extra])
            start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        string? result = null;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal)) result = line;
            else if (line.StartsWith("  [etl]", StringComparison.Ordinal)) Console.WriteLine(line);
        }
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"ETL child failed (exit {child.ExitCode}): {await stderr}");
        var f = result[7..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return new ChildResult((int)f["tracks"], (int)f["rejects"], f["seconds"], f["cpu"], f["peak_mb"], (long)f["store"]);
    }

    private static async Task<bool> EnsureMp3CatalogueAsync(string wavCatalogue, string mp3Audio, int distinct)
    {
        var done = Path.Combine(mp3Audio, ".complete");
        if (File.Exists(done)) return true;
        if (!CanRun("lame", "--version"))
        {
            Console.WriteLine("  MP3 part needs Debian's lame: apt-get install -y lame (scripts/lib/services.sh: ensure_lame)");
            return false;
        }
        var clips = Directory.GetFiles(SampleCatalog.AudioDir(wavCatalogue), "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var encoded = Path.Combine(mp3Audio, ".encoded");
        Directory.CreateDirectory(encoded);
        var clock = Stopwatch.StartNew();
        // Distinct encodings of the first N clips, upsampled to 44.1 kHz stereo, then hard-linked to every track id.
        await Parallel.ForEachAsync(Enumerable.Range(0, Math.Min(distinct, clips.Length)), async (i, ct) =>
        {
            var mp3 = Path.Combine(encoded, $"{i:0000}.mp3");
            if (File.Exists(mp3)) return;
            var stereo = Path.Combine(encoded, $"{i:0000}.wav");
            WriteStereo44k(clips[i], stereo);
            var lame = Process.Start(new ProcessStartInfo("lame", ["--quiet", "-b", "128", "-m", "j", stereo, mp3 + ".tmp"]))!;
            await lame.WaitForExitAsync(ct);
            if (lame.ExitCode != 0) throw new InvalidOperationException($"lame failed on {stereo}");
            File.Move(mp3 + ".tmp", mp3);
            File.Delete(stereo);
        });
        for (var i = 0; i < clips.Length; i++)
        {
            var rel = Path.GetRelativePath(SampleCatalog.AudioDir(wavCatalogue), clips[i]);
            var target = Path.Combine(mp3Audio, Path.ChangeExtension(rel, ".mp3"));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target)) HardLink(Path.Combine(encoded, $"{i % Math.Min(distinct, clips.Length):0000}.mp3"), target);
        }
        File.WriteAllText(done, "");
        BenchmarkReport.Info("mp3 catalogue", $"{Math.Min(distinct, clips.Length)} distinct 44.1 kHz stereo MP3 encodings (lame -b 128 -m j) linked to {clips.Length} tracks in {clock.Elapsed.TotalSeconds:0} s");
        return true;
    }

    /// <summary>22050 Hz mono 16-bit WAV to 44100 Hz stereo (linear interpolation; the right channel slightly delayed so it is real stereo).</summary>
    private static void WriteStereo44k(string monoWav, string stereoWav)
    {
        var mono = new AudioDecoder().DecodeMono22050(monoWav);
        var n = mono.Length * 2;
        using var w = new BinaryWriter(File.Create(stereoWav));
        w.Write("RIFF"u8); w.Write(36 + n * 4); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)2); w.Write(44100); w.Write(44100 * 4); w.Write((short)4); w.Write((short)16);
        w.Write("data"u8); w.Write(n * 4);
        for (var i = 0; i < n; i++)
        {
            var x = i / 2.0;
            var a = mono[Math.Min((int)x, mono.Length - 1)];
            var b = mono[Math.Min((int)x + 1, mono.Length - 1)];
            var v = a + (b - a) * (float)(x - Math.Floor(x));
            var r = i >= 3 ? mono[Math.Min((i - 3) / 2, mono.Length - 1)] : 0f;
            w.Write((short)Math.Clamp(v * 32767, -32768, 32767));
            w.Write((short)Math.Clamp(r * 0.9f * 32767, -32768, 32767));
        }
    }

    /// <summary>Sample metadata for N tracks (no audio) with every track's audio hard-linked from the small catalogue.</summary>
    private static async Task EnsureLinkedCatalogueAsync(string dir, int tracks, string sourceAudio)
    {
        if (SampleCatalog.Exists(dir)) return;
        await SampleCatalog.WriteAsync(dir, new SampleOptions { Tracks = tracks, Seed = 7, WriteAudio = false });
        var ids = new List<int>();
        // Every track is a "no audio file" reject before the links exist: that lists the ids the reader sees.
        foreach (var _ in new FmaCatalogReader(SampleCatalog.MetadataDir(dir), SampleCatalog.AudioDir(dir), _ => { })
                     .ReadTracks(r => { if (r.TrackId is { } id) ids.Add(id); })) { }
        var sources = Directory.GetFiles(sourceAudio, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < ids.Count; i++)
        {
            var target = Path.Combine(SampleCatalog.AudioDir(dir), FmaCatalogReader.AudioStem(ids[i]) + ".wav");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target)) HardLink(sources[i % sources.Length], target);
        }
        BenchmarkReport.Info("large catalogue", $"{tracks} tracks of sample metadata, audio hard-linked from {sources.Length} WAV clips");
    }

    private static void HardLink(string source, string target)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", [source, target]))!;
        ln.WaitForExit();
        if (ln.ExitCode != 0) File.Copy(source, target);
    }

    private static bool CanRun(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>Internal to the etl benchmark: one ETL run in this (child) process, printing its figures.</summary>
public sealed class EtlChildRun : IBenchmark
{
    public const string ChildName = "etl-child";
    public string Name => ChildName;
    public string Description => "(internal to 'etl': one ETL run in a child process)";

    public async Task<bool> RunAsync(string[] options)
    {
        if (!options.Contains("--metadata"))
        {
            Console.WriteLine("  (internal to 'etl'; nothing to do on its own)");
            return true; // so `all` does not fail on it
        }
        string Opt(string name) => options[Array.IndexOf(options, name) + 1];
        var workers = int.Parse(Opt("--workers"), CultureInfo.InvariantCulture);
        var outDir = Opt("--out");
        await using var store = TrackStoreFactory.Open("sqlite:" + Path.Combine(outDir, "musicrec.db"));
        EtlProgress? latest = null;
        // --features csv (etl-features-csv): the features come from METADATA/features.csv, no audio is looked at.
        var mode = options.Contains("--features") ? FeatureSources.ParseMode(Opt("--features")) : FeatureSourceMode.Audio;
        var ports = new EtlPorts(new FmaCatalogReader(Opt("--metadata"), Opt("--audio"), _ => { }, mode),
            () => new AudioDecoder(), () => new SpectralFeatureExtractor(), store, p => new FinalCsvSink(p), p => new RejectsCsvSink(p));
        var etlOptions = new EtlOptions
        {
            AudioDir = Opt("--audio"), OutDir = outDir, Workers = workers, Progress = p => latest = p,
            Features = mode, FeaturesCsvPath = Path.Combine(Opt("--metadata"), FmaFeaturesCsvReader.FileName),
        };
        using var system = ActorSystem.Create("bench", EtlRun.WorkerDispatcherConfig(workers)
            .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        var clock = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        using var trace = Environment.GetEnvironmentVariable("MUSICREC_ETL_MEMTRACE") is { } traceDir
            ? MemoryTrace.Start(Path.Combine(traceDir, Path.GetFileName(outDir) + ".tsv"), clock, () => latest)
            : null;
        var run = EtlRun.RunAsync(system, etlOptions, ports);
        while (await Task.WhenAny(run, Task.Delay(5000)) != run)
            if (latest is { } p) Console.WriteLine($"  [etl] {p.Phase} {p.FromFeaturesCsv} from features.csv, {p.Written} stored, {p.FilesDone}/{p.ToCompute?.ToString(CultureInfo.InvariantCulture) ?? "?"} files, {p.FilesPerSecond:0.0} files/s, {Process.GetCurrentProcess().WorkingSet64 / 1e6:0} MB");
        var summary = await run;
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        await system.Terminate();
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT tracks={summary.Tracks} rejects={summary.Rejected} seconds={seconds:0.000} cpu={cpu:0.000} peak_mb={BenchmarkReport.PeakWorkingSetBytes() / 1e6:0.0} store={summary.StoreCount}"));
        return true;
    }
}

/// <summary>
/// Diagnostics for the memory-flatness figure: with MUSICREC_ETL_MEMTRACE=DIR the etl-child samples its memory every
/// 20 ms into DIR/OUTNAME.tsv: working set, anonymous and file-backed RSS, GC heap and committed bytes, collections
/// per generation, LOH size and fragmentation, SQLite's own allocations, with the ETL phase at that moment.
/// </summary>
internal sealed class MemoryTrace : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    private MemoryTrace(string path, Stopwatch clock, Func<EtlProgress?> progress)
    {
        _thread = new Thread(() =>
        {
            using var w = new StreamWriter(path);
            w.WriteLine("s\tphase\tdone\tws_mb\trss_anon_mb\trss_file_mb\tgc_heap_mb\tgc_committed_mb\tlive_mb\tgen0\tgen1\tgen2\tloh_mb\tfrag_mb\tsqlite_mb\tsqlite_hw_mb\tthreads\tpool_threads");
            while (!_stop.IsCancellationRequested)
            {
                var status = File.ReadAllLines("/proc/self/status");
                double Kb(string key) => status.Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => double.Parse(l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1000).FirstOrDefault();
                var info = GC.GetGCMemoryInfo(GCKind.Any);
                var p = progress();
                w.WriteLine(FormattableString.Invariant(
                    $"{clock.Elapsed.TotalSeconds:0.0}\t{p?.Phase}\t{p?.FilesDone}\t{Kb("VmRSS"):0.0}\t{Kb("RssAnon"):0.0}\t{Kb("RssFile"):0.0}\t{info.HeapSizeBytes / 1e6:0.0}\t{GC.GetGCMemoryInfo().TotalCommittedBytes / 1e6:0.0}\t{GC.GetTotalMemory(false) / 1e6:0.0}\t{GC.CollectionCount(0)}\t{GC.CollectionCount(1)}\t{GC.CollectionCount(2)}\t{info.GenerationInfo[3].SizeAfterBytes / 1e6:0.0}\t{info.FragmentedBytes / 1e6:0.0}\t{SQLitePCL.raw.sqlite3_memory_used() / 1e6:0.0}\t{SQLitePCL.raw.sqlite3_memory_highwater(0) / 1e6:0.0}\t{Kb("Threads") * 1000:0}\t{ThreadPool.ThreadCount}"));
                w.Flush();
                _stop.Token.WaitHandle.WaitOne(20);
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public static MemoryTrace Start(string path, Stopwatch clock, Func<EtlProgress?> progress) => new(path, clock, progress);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
    }
}
