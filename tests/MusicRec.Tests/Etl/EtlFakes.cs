using System.Collections.Concurrent;
using System.Globalization;
using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Etl;
using MusicRec.IO;
using MusicRec.Stores;

namespace MusicRec.Tests.Etl;

/// <summary>A catalogue in memory; audio "files" are small text files the fake decoder understands.</summary>
internal sealed class FakeCatalogue(IReadOnlyList<TrackRecord> tracks, IReadOnlyList<Reject>? rejects = null, Exception? fail = null) : ICatalogReader
{
    public IEnumerable<TrackRecord> ReadTracks(Action<Reject> reject, CancellationToken ct = default)
    {
        if (fail is not null) throw fail;
        foreach (var r in rejects ?? []) reject(r);
        foreach (var t in tracks) yield return t;
    }

    /// <summary>Writes N tracks; the ones in <paramref name="corrupt"/> get a file the decoder refuses.</summary>
    public static FakeCatalogue Create(string audioDir, int count, ISet<int>? corrupt = null, int firstId = 1, ISet<int>? missing = null)
    {
        var list = new List<TrackRecord>();
        // Reverse order: final.csv must come out in track_id order whatever the catalogue order.
        for (var id = firstId + count - 1; id >= firstId; id--)
        {
            var rel = $"{id / 1000:000}/{id:000000}.wav";
            if (missing?.Contains(id) != true)
            {
                var path = Path.Combine(audioDir, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, corrupt?.Contains(id) == true ? "corrupt" : $"ok {id}");
            }
            list.Add(new TrackRecord
            {
                TrackId = id, Title = $"Track {id}", ArtistName = $"Artist {id % 7}", GenreId = 1 + id % 5,
                GenreTop = $"Genre {1 + id % 5}", Genres = [1 + id % 5], GenresAll = [1 + id % 5],
                FileName = rel,
            });
        }
        return new FakeCatalogue(list);
    }
}

/// <summary>Decodes the fake audio files; counts calls and the most calls at the same time.</summary>
internal sealed class DecoderProbe
{
    private int _current;
    public ConcurrentQueue<string> Calls { get; } = new();
    public int MaxConcurrent;
    public TimeSpan Delay { get; init; }

    public IAudioDecoder NewDecoder() => new FakeDecoder(this);

    private sealed class FakeDecoder(DecoderProbe probe) : IAudioDecoder
    {
        public float[] DecodeMono22050(string path)
        {
            var now = Interlocked.Increment(ref probe._current);
            int seen;
            while ((seen = probe.MaxConcurrent) < now && Interlocked.CompareExchange(ref probe.MaxConcurrent, now, seen) != seen) { }
            try
            {
                probe.Calls.Enqueue(path);
                if (probe.Delay > TimeSpan.Zero) Thread.Sleep(probe.Delay);
                var text = File.ReadAllText(path);
                if (!text.StartsWith("ok ", StringComparison.Ordinal)) throw new AudioDecodeException(path, "not a RIFF/WAVE file");
                var seed = int.Parse(text[3..], CultureInfo.InvariantCulture);
                var samples = new float[64];
                for (var i = 0; i < samples.Length; i++) samples[i] = (float)Math.Sin(seed * 0.37 + i * (0.05 + seed % 11 * 0.01));
                return samples;
            }
            finally
            {
                Interlocked.Decrement(ref probe._current);
            }
        }
    }
}

/// <summary>Deterministic features from the samples; the kurtosis columns are constant (zero variance on purpose).</summary>
internal sealed class FakeExtractor : IFeatureExtractor
{
    public AudioFeatures Extract(ReadOnlySpan<float> samples)
    {
        double mean = 0;
        foreach (var s in samples) mean += s;
        mean /= samples.Length;
        var first = samples[0];
        FeatureStats Stats(int rows, double scale) => new(
            Fill(rows, r => mean * scale + r), Fill(rows, r => Math.Abs(first) * scale + r * 0.1), Fill(rows, r => -1 - r),
            Fill(rows, r => 1 + r), Fill(rows, r => first * r), Fill(rows, r => mean - first), Fill(rows, _ => 3.0));
        return new AudioFeatures(22050, 30, samples.Length, Stats(20, 100), Stats(1, 2000), Stats(1, 0.1));
    }

    private static double[] Fill(int n, Func<int, double> f) => Enumerable.Range(0, n).Select(f).ToArray();
}

/// <summary>A store that throws on the first <paramref name="failures"/> upserts, then works.</summary>
internal sealed class FlakyStore(int failures) : ITrackStore
{
    private readonly InMemoryTrackStore _inner = new();
    private int _calls;
    public int UpsertCalls => _calls;
    public int DocumentsUpserted;

    public string Describe() => "flaky in-memory";

    public Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default)
    {
        if (Interlocked.Increment(ref _calls) <= failures) throw new IOException("store is down");
        Interlocked.Add(ref DocumentsUpserted, batch.Count);
        return _inner.UpsertAsync(batch, ct);
    }

    public Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default) => _inner.GetByIdsAsync(trackIds, ct);
    public IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(IReadOnlyList<string> columns, CancellationToken ct = default) => _inner.StreamAsync(columns, ct);
    public IAsyncEnumerable<TrackDocument> StreamAllAsync(CancellationToken ct = default) => _inner.StreamAllAsync(ct);
    public Task<long> CountAsync(CancellationToken ct = default) => _inner.CountAsync(ct);
    public Task<bool> PingAsync(CancellationToken ct = default) => Task.FromResult(true);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Simple CSV sinks for the unit tests (the real writers are tested by the catalogue's own tests).</summary>
internal sealed class TestFinalCsv(string path) : IFinalCsvSink
{
    private readonly AtomicCsvFile _csv = new(path, ["track_id", "File_Name", "genre_id", .. AudioFeatures.ColumnNames]);

    public void Write(TrackRecord track, TrackDocument document) =>
        _csv.WriteRow([track.TrackId.ToString(CultureInfo.InvariantCulture), track.FileName ?? "", track.GenreId?.ToString(CultureInfo.InvariantCulture) ?? "",
            .. document.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);

    public void Commit() => _csv.Commit();

    public void Dispose() => _csv.Dispose();
}

internal sealed class TestRejectsCsv(string path) : IRejectsSink
{
    private readonly AtomicCsvFile _csv = new(path, ["source", "line", "track_id", "reason"]);

    public void Write(Reject r) =>
        _csv.WriteRow([r.Source, r.Line?.ToString(CultureInfo.InvariantCulture) ?? "", r.TrackId?.ToString(CultureInfo.InvariantCulture) ?? "", r.Reason]);

    public void Commit() => _csv.Commit();

    public void Dispose() => _csv.Dispose();
}

/// <summary>A temporary folder with audio/ and out/ that is removed after the test.</summary>
internal sealed class TempRun : IDisposable
{
    public TempRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "musicrec-etl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(AudioDir);
        Directory.CreateDirectory(OutDir);
    }

    public string Root { get; }
    public string AudioDir => Path.Combine(Root, "audio");
    public string OutDir => Path.Combine(Root, "out");

    public EtlOptions Options(int workers = 2, bool refit = false, Action<EtlProgress>? progress = null) => new()
    {
        AudioDir = AudioDir, OutDir = OutDir, Workers = workers, Refit = refit, StoreBatchSize = 16,
        StoreMinBackoff = TimeSpan.FromMilliseconds(20), StoreMaxBackoff = TimeSpan.FromMilliseconds(200),
        StoreAckTimeout = TimeSpan.FromSeconds(5), Progress = progress,
    };

    public static EtlPorts Ports(ICatalogReader catalogue, DecoderProbe probe, ITrackStore store) =>
        new(catalogue, probe.NewDecoder, () => new FakeExtractor(), store, p => new TestFinalCsv(p), p => new TestRejectsCsv(p));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException e)
        {
            // A file still open by a stopped actor system: left for the OS temp cleaner.
            Console.Error.WriteLine($"could not remove {Root}: {e.Message}");
        }
    }
}
