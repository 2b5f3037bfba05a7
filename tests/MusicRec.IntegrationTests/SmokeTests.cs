using MusicRec.Dsp;

namespace MusicRec.IntegrationTests;

public class SmokeTests
{
    [Fact]
    public void Feature_columns_are_154_and_unique()
    {
        Assert.Equal(154, AudioFeatures.ColumnNames.Count);
        Assert.Equal(154, AudioFeatures.ColumnNames.Distinct().Count());
        Assert.Equal("mfcc_mean_01", AudioFeatures.ColumnNames[0]);
        Assert.Equal("zcr_kurtosis_01", AudioFeatures.ColumnNames[^1]);
    }
}
