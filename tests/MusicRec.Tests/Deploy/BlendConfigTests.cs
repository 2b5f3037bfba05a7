using Akka.Configuration;
using MusicRec.Host.Service;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Tests.Catalog;

namespace MusicRec.Tests.Deploy;

public class BlendConfigTests
{
    private static Config Shipped() =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(CatalogTestPaths.RepoRoot, "hocon", "musicrec.hocon")));

    [Fact]
    public void The_shipped_hocon_gives_the_blend_its_code_defaults()
    {
        var (blend, reading) = ServiceConfig.Blend(Shipped());

        Assert.Equal(new BlendOptions(), blend);
        Assert.Equal(SkipPolicy.Seen, reading.Skips);
    }

    [Fact]
    public void The_blend_reads_its_genre_weight_and_audio_beam()
    {
        var config = ConfigurationFactory.ParseString("musicrec.recommender.blend { genre-weight = 0.25, audio-beam = 64 }");

        var (blend, _) = ServiceConfig.Blend(config);

        Assert.Equal(0.25, blend.GenreWeight);
        Assert.Equal(64, blend.AudioBeam);
    }

    [Theory]
    [InlineData("genre-weight = -0.1")]
    [InlineData("audio-beam = 0")]
    public void A_blend_setting_out_of_range_is_refused_with_its_name(string setting)
    {
        var config = ConfigurationFactory.ParseString($"musicrec.recommender.blend {{ {setting} }}");

        var error = Assert.ThrowsAny<Exception>(() => ServiceConfig.Blend(config));
        Assert.Contains("musicrec.recommender.blend", error.Message);
    }
}
