using MusicRec.Catalog;
using MusicRec.Catalog.Sample;
using MusicRec.Etl;
using MusicRec.Host.Commands;
using MusicRec.Stores;

namespace MusicRec.Tests.Etl;

/// <summary>`musicrec sample` then `musicrec etl`: the real pipeline end to end on generated audio.</summary>
public sealed class SampleCatalogEtlTests
{
    private static Task<int> Etl(string sample, string outDir, string store, TextWriter? stdout = null) =>
        EtlCommand.RunAsync(new EtlCommand.EtlCommandArgs(SampleCatalog.MetadataDir(sample), SampleCatalog.AudioDir(sample), outDir, store, 2, false),
            stdout ?? new StringWriter(), new StringWriter(), redirected: true, _ => null, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));

    [Fact]
    public async Task Sample_of_20_tracks_gives_20_rows_a_scaler_and_20_documents_in_the_store()
    {
        using var run = new TempRun();
        var sample = Path.Combine(run.Root, "sample");
        await SampleCatalog.WriteAsync(sample, 20, 42);
        var store = "sqlite:" + Path.Combine(run.OutDir, "musicrec.db");
        var stdout = new StringWriter();

        Assert.Equal(0, await Etl(sample, run.OutDir, store, stdout));

        var rows = File.ReadAllLines(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(FinalCsvWriter.Columns, rows[0].Split(','));
        Assert.Equal(21, rows.Length);
        var ids = rows.Skip(1).Select(r => int.Parse(r.Split(',')[0])).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Single(File.ReadAllLines(Path.Combine(run.OutDir, "rejects.csv")));
        var scaler = StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json"));
        Assert.Equal(20, scaler.Count);
        Assert.All(scaler.Std.Take(20), s => Assert.True(s > 0)); // MFCC means really vary between genres
        await using (var s = TrackStoreFactory.Open(store))
        {
            Assert.Equal(20, await s.CountAsync());
            var docs = await s.GetByIdsAsync(ids);
            // z-scores over the catalogue: every column has mean 0.
            for (var c = 0; c < 20; c++) Assert.Equal(0, docs.Average(d => d.Mfccs[c]), 1e-9);
            Assert.All(docs, d => Assert.False(string.IsNullOrEmpty(d.Metadata.GenreTop)));
        }
        Assert.Contains("20 track documents", stdout.ToString());
    }

    [Fact]
    public async Task Corrupt_clip_in_the_sample_is_rejected_with_its_reason_and_the_rest_is_stored()
    {
        using var run = new TempRun();
        var sample = Path.Combine(run.Root, "sample");
        await SampleCatalog.WriteAsync(sample, 12, 7);
        var clips = Directory.GetFiles(SampleCatalog.AudioDir(sample), "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var truncated = clips[3];
        var empty = clips[8];
        using (var f = new FileStream(truncated, FileMode.Open)) f.SetLength(30); // header cut in the middle
        File.WriteAllBytes(empty, []);
        var store = "sqlite:" + Path.Combine(run.OutDir, "musicrec.db");

        Assert.Equal(0, await Etl(sample, run.OutDir, store));

        Assert.Equal(10, File.ReadAllLines(Path.Combine(run.OutDir, "final.csv")).Length - 1);
        var rejects = File.ReadAllLines(Path.Combine(run.OutDir, "rejects.csv")).Skip(1).ToList();
        Assert.Equal(2, rejects.Count);
        Assert.Contains(rejects, r => r.StartsWith(truncated, StringComparison.Ordinal) && r.Contains(",cannot decode audio: "));
        Assert.Contains(rejects, r => r.StartsWith(empty, StringComparison.Ordinal) && r.Contains(",cannot decode audio: "));
        await using var s = TrackStoreFactory.Open(store);
        Assert.Equal(10, await s.CountAsync());
    }
}
