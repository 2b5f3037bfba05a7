using System.Globalization;
using CsvHelper;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Catalog.Sample;
using MusicRec.Recommendation;
using MusicRec.Etl;
using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Tests.Catalog;

namespace MusicRec.Tests.Etl;

/// <summary>`musicrec etl` taking features from FMA's features.csv: without audio, and beside audio.</summary>
public sealed class FeaturesCsvEtlTests
{
    private static Task<int> Etl(string metadata, string? audio, string outDir, string features = "auto", bool mix = false,
        bool refit = false, TextWriter? stdout = null, TextWriter? stderr = null) =>
        EtlCommand.RunAsync(new EtlCommand.EtlCommandArgs(metadata, audio, outDir, "sqlite:" + Path.Combine(outDir, "musicrec.db"), 2, refit, features, mix),
            stdout ?? new StringWriter(), stderr ?? new StringWriter(), redirected: true, _ => null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));

    /// <summary>The real tracks.csv and genres.csv fixtures with a features.csv beside them.</summary>
    private static string FixtureMetadata(TempRun run, string featuresFixture = "features.csv")
    {
        var dir = Path.Combine(run.Root, "fma_metadata");
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "tracks.csv", "genres.csv", "raw_genres.csv" })
            File.Copy(Path.Combine(CatalogTestPaths.FmaFixtures, f), Path.Combine(dir, f));
        File.Copy(Path.Combine(CatalogTestPaths.FmaFixtures, "features", featuresFixture), Path.Combine(dir, "features.csv"));
        return dir;
    }

    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        var header = rows[0];
        return rows.Skip(1).Select(r => header.Select((h, i) => (h, v: r[i])).ToDictionary(x => x.h, x => x.v)).ToList();
    }

    [Fact]
    public async Task Real_tracks_csv_with_features_csv_gives_all_682_tracks_without_any_audio()
    {
        using var run = new TempRun();
        var metadata = FixtureMetadata(run);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        Assert.Equal(0, await Etl(metadata, audio: null, run.OutDir, stdout: stdout, stderr: stderr));

        var final = ReadCsv(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(682, final.Count);
        Assert.All(final, r => Assert.Equal("features.csv", r["feature_source"]));
        Assert.All(final, r => Assert.Equal("", r["File_Name"]));
        // All 518 columns are there and filled, normalised over the catalogue (mean 0 per column).
        Assert.All(FmaFeatureColumns.VectorOrder, c => Assert.True(final[0].ContainsKey(c), c));
        foreach (var column in new[] { "mfcc_mean_01", "chroma_cens_kurtosis_01", "tonnetz_std_06", "spectral_contrast_max_07" })
            Assert.Equal(0, final.Average(r => double.Parse(r[column], CultureInfo.InvariantCulture)), 9);
        Assert.Single(File.ReadAllLines(Path.Combine(run.OutDir, "rejects.csv")));
        var scaler = StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json"));
        Assert.Equal(518, scaler.Columns.Count);
        Assert.Equal("features.csv", scaler.Source);
        Assert.Matches(@"features from features\.csv\s*│\s*682", stdout.ToString());
        Assert.Matches(@"features from audio\s*│\s*0", stdout.ToString());
        Assert.False(File.Exists(Path.Combine(run.OutDir, FeaturesCsvTable.RelativePath))); // the run's parsed copy is removed

        await using var store = TrackStoreFactory.Open(StoreUri.Parse("sqlite:" + Path.Combine(run.OutDir, "musicrec.db")));
        Assert.Equal(682, await store.CountAsync());
        var doc = Assert.Single(await store.GetByIdsAsync([2]));
        Assert.Equal("features.csv", doc.FeatureSource);
        Assert.Equal(518, doc.Features.Length);
        Assert.Equal(double.Parse(final[0]["chroma_cens_kurtosis_01"], CultureInfo.InvariantCulture),
            doc.Features[FmaFeatureColumns.VectorIndex("chroma_cens_kurtosis_01")]);

        // The recommender's index takes these documents (its default columns are the first 154).
        var index = await SimilarityIndex.BuildAsync(store.StreamAllAsync());
        Assert.Equal(682, index.Count);
    }

    [Fact]
    public async Task Broken_features_csv_rows_are_rejects_and_the_other_tracks_are_kept()
    {
        using var run = new TempRun();
        var metadata = FixtureMetadata(run, "features_broken_rows.csv");

        Assert.Equal(0, await Etl(metadata, audio: null, run.OutDir, features: "csv"));

        var final = ReadCsv(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(6, final.Count);
        // The row with NaN only beyond the 154 keeps them; its other 364 columns are empty, the rest are full.
        Assert.Single(final, r => r["chroma_cens_kurtosis_01"] == "");
        Assert.All(final, r => Assert.NotEqual("", r["zcr_std_01"]));
        var rejects = ReadCsv(Path.Combine(run.OutDir, "rejects.csv"));
        var fromCsv = rejects.Where(r => r["source"] == "features.csv").ToList();
        Assert.Equal(7, fromCsv.Count);
        Assert.Contains(fromCsv, r => r["line"] == "6" && r["reason"] == "truncated row: 100 of 519 fields");
        // Every other track of tracks.csv has no row: one reject each, saying so.
        var noRow = rejects.Where(r => r["reason"] == "no audio file and no row in features.csv").ToList();
        Assert.Equal(682 - 6 - 5, noRow.Count); // 5 rejected rows still name their track (one has no readable id, one is a duplicate)
    }

    /// <summary>A six-clip sample catalogue in the run's folder: its metadata and audio folders and the clips' track ids.</summary>
    private static async Task<(string Metadata, string Audio, List<int> Ids)> SixClipSample(TempRun run)
    {
        var sample = Path.Combine(run.Root, "sample");
        await SampleCatalog.WriteAsync(sample, 6, 7);
        var audio = SampleCatalog.AudioDir(sample);
        var ids = Directory.GetFiles(audio, "*.wav", SearchOption.AllDirectories).Select(f => int.Parse(Path.GetFileNameWithoutExtension(f))).Order().ToList();
        return (SampleCatalog.MetadataDir(sample), audio, ids);
    }

    [Fact]
    public async Task A_scaler_fitted_on_partial_features_csv_rows_is_reused_by_the_next_run()
    {
        using var run = new TempRun();
        var (metadata, _, ids) = await SixClipSample(run);
        // Every row has only the 154 audio columns, as `sample --with-features-csv` writes them.
        using (var w = new FmaFeaturesCsvWriter(Path.Combine(metadata, "features.csv")))
            foreach (var id in ids) w.Write(id, Enumerable.Range(0, 518).Select(i => i < 154 ? id + i * 0.25 : double.NaN).ToArray());

        Assert.Equal(0, await Etl(metadata, audio: null, run.OutDir, features: "csv"));
        Assert.Equal(154, StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json")).Columns.Count);
        var first = File.ReadAllText(Path.Combine(run.OutDir, "final.csv"));

        Assert.Equal(0, await Etl(metadata, audio: null, run.OutDir, features: "csv"));
        Assert.Equal(first, File.ReadAllText(Path.Combine(run.OutDir, "final.csv")));
    }

    [Fact]
    public async Task Features_csv_mode_without_the_file_and_a_foreign_header_are_one_line_errors()
    {
        using var run = new TempRun();
        var metadata = FixtureMetadata(run, "features_bad_header.csv");
        var e = await Assert.ThrowsAsync<CliException>(() => Etl(metadata, null, run.OutDir, features: "csv"));
        Assert.Contains("kurtosys", e.Message);
        File.Delete(Path.Combine(metadata, "features.csv"));
        e = await Assert.ThrowsAsync<CliException>(() => Etl(metadata, null, run.OutDir, features: "csv"));
        Assert.Contains("features.csv not found", e.Message);
        e = await Assert.ThrowsAsync<CliException>(() => Etl(metadata, null, run.OutDir, features: "sometimes"));
        Assert.Contains("audio, csv or auto", e.Message);
    }

    [Fact]
    public async Task Mixing_audio_and_features_csv_is_refused_unless_forced()
    {
        using var run = new TempRun();
        var (metadata, audio, ids) = await SixClipSample(run);
        // features.csv for every track, and one clip removed: auto would take 5 from audio and 1 from the CSV.
        using (var w = new FmaFeaturesCsvWriter(Path.Combine(metadata, "features.csv")))
            foreach (var id in ids) w.Write(id, Enumerable.Range(0, 518).Select(i => id + i * 0.25).ToArray());
        var removed = ids[2];
        File.Delete(Directory.GetFiles(audio, $"{removed:000000}.wav", SearchOption.AllDirectories).Single());

        var e = await Assert.ThrowsAsync<CliException>(() => Etl(metadata, audio, run.OutDir));
        Assert.Contains("5 tracks have features from audio and 1 from features.csv", e.Message);
        Assert.Contains("--mix-sources", e.Message);

        var stdout = new StringWriter();
        Assert.Equal(0, await Etl(metadata, audio, run.OutDir, mix: true, stdout: stdout));
        var final = ReadCsv(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(6, final.Count);
        Assert.Equal("features.csv", final.Single(r => r["track_id"] == removed.ToString(CultureInfo.InvariantCulture))["feature_source"]);
        Assert.Equal(5, final.Count(r => r["feature_source"] == "audio"));
        Assert.All(final.Where(r => r["feature_source"] == "audio"), r => Assert.Equal("", r["chroma_cens_kurtosis_01"]));
        Assert.Equal("mixed", StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json")).Source);

        // A saved scaler fitted on mixed sources is not reused for an audio-only run.
        e = await Assert.ThrowsAsync<CliException>(() => Etl(metadata, audio, run.OutDir, features: "audio"));
        Assert.Contains("--refit", e.Message);
        Assert.Equal(0, await Etl(metadata, audio, run.OutDir, features: "audio", refit: true));
        var audioOnly = ReadCsv(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(5, audioOnly.Count);
        Assert.Contains(ReadCsv(Path.Combine(run.OutDir, "rejects.csv")), r => r["track_id"] == removed.ToString(CultureInfo.InvariantCulture));
    }
}
