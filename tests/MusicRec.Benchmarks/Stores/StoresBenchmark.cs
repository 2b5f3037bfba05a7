using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Benchmarks.Stores;

/// <summary>
/// SQLite store at catalogue scale: upsert 100,000 realistic track documents (metadata + 154 statistics),
/// re-run the same load (count and content must not change), export 100,000 rows to CSV with flat memory.
/// Options: --count N (100000), --batch B (1000), --dir DIR (a fresh temp folder, deleted afterwards),
/// --store URI (another, empty store instead of SQLite in DIR, e.g. a MongoDB collection; the targets are SQLite's).
/// </summary>
public sealed class StoresBenchmark : IBenchmark
{
    public string Name => "stores";
    public string Description => "SQLite: upsert 100k documents (<20 s), idempotent re-run, export 100k rows (<10 s, flat memory)";

    public async Task<bool> RunAsync(string[] options)
    {
        var count = BenchmarkOptions.Int(options, "--count", 100_000);
        var batch = BenchmarkOptions.Int(options, "--batch", 1000);
        var givenDir = BenchmarkOptions.Value(options, "--dir");
        var dir = givenDir ?? Path.Combine(Path.GetTempPath(), "musicrec-bench-stores-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var dbPath = Path.Combine(dir, "musicrec.db");
        var storeUri = BenchmarkOptions.Value(options, "--store") is { } given ? StoreUri.Parse(given) : StoreUri.Parse($"sqlite:{dbPath}");
        if (storeUri.Kind == StoreKind.Sqlite && File.Exists(storeUri.SqlitePath))
            throw new InvalidOperationException($"{storeUri.SqlitePath} exists; give an empty --dir");
        var ok = true;
        try
        {
            BenchmarkReport.Info("documents", $"{count:N0} in batches of {batch:N0}, store {storeUri}");
            await WarmUpAsync(dir);
            await using var store = TrackStoreFactory.Open(storeUri);
            if (await store.CountAsync() != 0) throw new InvalidOperationException($"{store.Describe()} is not empty");

            var first = await LoadAsync(store, count, batch);
            ok &= BenchmarkReport.Figure($"upsert {count:N0} (first load)", first.TotalSeconds, "s", 20 * count / 100_000.0, lowerIsBetter: true);
            var countClock = Stopwatch.StartNew();
            var count1 = await store.CountAsync();
            BenchmarkReport.Info("CountAsync", $"{countClock.Elapsed.TotalMilliseconds:0} ms");
            var digest1 = await DigestAsync(store);
            BenchmarkReport.Info("after first load", $"count {count1:N0}, content SHA-256 {digest1[..16]}…, {(storeUri.Kind == StoreKind.Sqlite ? $"file {new FileInfo(storeUri.SqlitePath).Length / 1e6:0.0} MB" : "")}");

            var second = await LoadAsync(store, count, batch);
            BenchmarkReport.Info("re-run of the same load", $"{second.TotalSeconds:0.00} s");
            var count2 = await store.CountAsync();
            var digest2 = await DigestAsync(store);
            var unchanged = count1 == count && count2 == count1 && digest1 == digest2;
            BenchmarkReport.Info("after re-run", $"count {count2:N0}, content SHA-256 {digest2[..16]}… -> {(unchanged ? "UNCHANGED (idempotent)" : "CHANGED: NOT IDEMPOTENT")}");
            ok &= unchanged;

            ok &= await ExportAsync(store, Path.Combine(dir, "export.csv"), count);
        }
        finally
        {
            if (givenDir is null) Directory.Delete(dir, recursive: true);
        }
        return ok;
    }

    /// <summary>JIT and SQLite start-up on a throwaway file, so the figures measure the steady work.</summary>
    private static async Task WarmUpAsync(string dir)
    {
        var path = Path.Combine(dir, "warm-up.db");
        await using (var warm = new SqliteTrackStore(path))
        {
            await warm.UpsertAsync(Enumerable.Range(1, 500).Select(RealisticDocument).ToList());
            await CsvExporter.ExportAsync(warm, TrackDocumentColumns.DefaultExport, Path.Combine(dir, "warm-up.csv"));
            await DigestAsync(warm);
        }
        foreach (var f in Directory.GetFiles(dir, "warm-up*")) File.Delete(f);
        BenchmarkReport.Info("warm-up", "500 documents upserted and exported on a throwaway file (not timed)");
    }

    private static async Task<TimeSpan> LoadAsync(ITrackStore store, int count, int batch)
    {
        // Documents are made before the clock starts: the figure is the store's time, not the generator's.
        var batches = new List<List<TrackDocument>>();
        for (var start = 1; start <= count; start += batch)
            batches.Add(Enumerable.Range(start, Math.Min(batch, count - start + 1)).Select(RealisticDocument).ToList());
        var clock = Stopwatch.StartNew();
        foreach (var docs in batches) await store.UpsertAsync(docs);
        var elapsed = clock.Elapsed;
        BenchmarkReport.Info("load", $"{batches.Count} batches upserted in {elapsed.TotalSeconds:0.00} s ({count / elapsed.TotalSeconds:N0} documents/s)");
        return elapsed;
    }

    private static async Task<bool> ExportAsync(ITrackStore store, string csv, int count)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var wsBefore = process.WorkingSet64;
        long heapMax = heapBefore, wsMax = wsBefore;
        var samples = new List<string>();
        var clock = Stopwatch.StartNew();
        var rows = await CsvExporter.ExportAsync(store, TrackDocumentColumns.DefaultExport, csv, progressEvery: 5000, progress: n =>
        {
            var heap = GC.GetTotalMemory(false);
            process.Refresh();
            heapMax = Math.Max(heapMax, heap);
            wsMax = Math.Max(wsMax, process.WorkingSet64);
            // Every 25k rows, the live heap after a full collection: flat means it does not grow with the rows written.
            if (n % 25_000 == 0) samples.Add($"{n / 1000}k rows: {GC.GetTotalMemory(forceFullCollection: true) / 1e6:0.0} MB");
        });
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var heapAfter = GC.GetTotalMemory(false);
        var lines = File.ReadLines(csv).LongCount();
        var ok = rows == count && lines == count + 1;
        BenchmarkReport.Info("export", $"{rows:N0} rows, {lines:N0} lines with header, {new FileInfo(csv).Length / 1e6:0.0} MB, default columns {string.Join(",", TrackDocumentColumns.DefaultExport)}");
        ok &= BenchmarkReport.Figure($"export {count:N0} rows", seconds, "s", 10 * count / 100_000.0, lowerIsBetter: true);
        BenchmarkReport.Info("GC heap", $"before {heapBefore / 1e6:0.0} MB, max during export {heapMax / 1e6:0.0} MB (uncollected garbage included), after {heapAfter / 1e6:0.0} MB; live heap {string.Join(", ", samples)}");
        BenchmarkReport.Info("working set", $"before {wsBefore / 1e6:0.0} MB, max during export {wsMax / 1e6:0.0} MB, after {process.WorkingSet64 / 1e6:0.0} MB; process peak {BenchmarkReport.PeakWorkingSetBytes() / 1e6:0.0} MB");
        // Flat: the heap during the export stays within a few allocation budgets of where it started, whatever the row count.
        ok &= BenchmarkReport.Figure("GC heap growth during export", (heapMax - heapBefore) / 1e6, "MB", 64, lowerIsBetter: true);
        return ok;
    }

    /// <summary>Content fingerprint of the whole store: every field of every document, doubles by their bits.</summary>
    private static async Task<string> DigestAsync(ITrackStore store)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[8];
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\u0001"));
        void AddDouble(double d) { BitConverter.TryWriteBytes(buffer, d); sha.AppendData(buffer); }
        await foreach (var d in store.StreamAllAsync())
        {
            var m = d.Metadata;
            Add($"{d.TrackId}|{m.FileName}|{m.Title}|{m.ArtistId}|{m.ArtistName}|{m.AlbumId}|{m.AlbumTitle}|{m.GenreId}|{m.GenreTop}|{string.Join(",", m.Genres)}|{string.Join(",", m.GenresAll)}|{m.Subset}");
            AddDouble(m.DurationSeconds ?? double.NaN);
            foreach (var (k, v) in m.Echonest.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { Add(k); AddDouble(v); }
            foreach (var x in d.Mfccs) AddDouble(x);
            AddDouble(d.SpectralCentroid);
            AddDouble(d.ZeroCrossingRate);
            foreach (var x in d.Features) AddDouble(x);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static readonly string[] Genres = ["Rock", "Electronic", "Experimental", "Hip-Hop", "Folk", "Instrumental", "Pop", "International", "Classical", "Jazz"];
    private static readonly string[] Words = ["Night", "Blue", "Echo", "Río", "Ångström", "Signal", "Drift", "夜", "Static", "Ember", "Hollow", "Glass", "Café", "Motor"];

    /// <summary>A track document shaped like the ETL's output: FMA-like metadata and 154 normalised (z-scored) statistics.</summary>
    internal static TrackDocument RealisticDocument(int id)
    {
        var rng = new Random(id);
        var features = new double[AudioFeatures.ColumnNames.Count];
        for (var i = 0; i < features.Length; i++) features[i] = BenchmarkRandom.Gaussian(rng);
        var genre = rng.Next(Genres.Length);
        var title = $"{Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]} {(rng.Next(10) == 0 ? "(feat. \"MC\", live)" : "")}".Trim();
        var echonest = rng.Next(10) == 0
            ? TrackDocumentColumns.EchonestColumns.ToDictionary(c => c, c => c == "tempo" ? 60 + rng.NextDouble() * 120 : rng.NextDouble())
            : new Dictionary<string, double>();
        return new TrackDocument
        {
            TrackId = id,
            Metadata = new TrackRecord
            {
                TrackId = id,
                Title = title,
                ArtistId = 1 + id / 12,
                ArtistName = $"Artist {id / 12} & The {Words[id % Words.Length]}s",
                AlbumId = 1 + id / 9,
                AlbumTitle = $"{Words[(id / 9) % Words.Length]} Sessions Vol. {id / 9 % 7 + 1}",
                GenreId = genre + 1,
                GenreTop = Genres[genre],
                Genres = [genre + 1, 100 + rng.Next(50)],
                GenresAll = [genre + 1, 100 + rng.Next(50), 200 + rng.Next(20)],
                DurationSeconds = 30 + rng.Next(600),
                Subset = id % 10 == 0 ? "small" : id % 3 == 0 ? "medium" : "large",
                Echonest = echonest,
                FileName = $"{id / 1000 % 1000:000}/{id:000000}.mp3",
            },
            Mfccs = features[..20],
            SpectralCentroid = features[140],
            ZeroCrossingRate = features[147],
            Features = features,
        };
    }
}
