using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Catalog.Sample;
using MusicRec.Dsp;
using MusicRec.Etl;
using MusicRec.Host.Commands;
using MusicRec.Tests.Etl;

namespace MusicRec.Tests.Catalog.Features;

/// <summary>`musicrec sample --with-features-csv`: a features.csv from the sample's own clips, usable by `etl --features csv`.</summary>
public sealed class FeaturesCsvFromAudioTests
{
    [Fact]
    public async Task The_sample_features_csv_holds_the_clips_154_statistics_and_feeds_the_etl_without_audio()
    {
        using var run = new TempRun();
        var sample = Path.Combine(run.Root, "sample");
        await SampleCatalog.WriteAsync(sample, 4, 3);
        var csv = Path.Combine(SampleCatalog.MetadataDir(sample), FmaFeaturesCsvReader.FileName);

        Assert.Equal(4, FeaturesCsvFromAudio.Write(SampleCatalog.AudioDir(sample), csv, 2));

        var clips = Directory.GetFiles(SampleCatalog.AudioDir(sample), "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using (var reader = FmaFeaturesCsvReader.Open(csv))
        {
            var v = new double[FmaFeatureColumns.Count];
            foreach (var clip in clips)
            {
                Assert.True(reader.TryReadNext(v, r => Assert.Fail(r.Reason), out var id, out var width));
                Assert.Equal(int.Parse(Path.GetFileNameWithoutExtension(clip)), id);
                Assert.Equal(154, width);
                var expected = new SpectralFeatureExtractor().Extract(new AudioDecoder().DecodeMono22050(clip)).ToVector();
                for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], v[i], Math.Abs(expected[i]) * 1e-9 + 1e-12);
            }
            Assert.False(reader.TryReadNext(v, _ => { }, out _));
        }

        Assert.Equal(0, await EtlCommand.RunAsync(new EtlCommand.EtlCommandArgs(SampleCatalog.MetadataDir(sample), null, run.OutDir,
            "sqlite:" + Path.Combine(run.OutDir, "musicrec.db"), 2, false, "csv"), new StringWriter(), new StringWriter(), true, _ => null, CancellationToken.None));
        var final = File.ReadAllLines(Path.Combine(run.OutDir, "final.csv"));
        Assert.Equal(5, final.Length);
        Assert.All(final.Skip(1), l => Assert.Contains(",features.csv,", l));
        Assert.Equal("features.csv", StandardScaler.Load(Path.Combine(run.OutDir, "scaler.json")).Source);
    }
}
