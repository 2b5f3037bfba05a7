using MusicRec.Etl;

namespace MusicRec.Tests.Etl;

/// <summary>RunningStats over vectors of two widths (154 from audio, 518 from features.csv).</summary>
public sealed class MixedWidthStatsTests
{
    [Fact]
    public void A_shorter_vector_counts_only_in_its_leading_columns_and_merging_matches_one_pass()
    {
        double[][] rows = [[1, 10, 100], [3, 30], [5, 50, 300], [7]];
        var whole = new RunningStats(3);
        foreach (var r in rows) whole.Add(r);
        Assert.Equal(4, whole.Count);
        Assert.Equal([4L, 3L, 2L], Enumerable.Range(0, 3).Select(whole.CountOf));
        Assert.Equal([4.0, 30.0, 200.0], whole.Mean());
        Assert.Equal(Math.Sqrt(5), whole.PopulationStd()[0], 12);
        Assert.Equal(Math.Sqrt(800.0 / 3), whole.PopulationStd()[1], 12);
        Assert.Equal(100.0, whole.PopulationStd()[2], 12);

        var a = new RunningStats(3);
        var b = new RunningStats(3);
        a.Add(rows[0]); a.Add(rows[1]);
        b.Add(rows[2]); b.Add(rows[3]);
        a.Merge(b);
        Assert.Equal(whole.Mean(), a.Mean());
        for (var i = 0; i < 3; i++) Assert.Equal(whole.PopulationStd()[i], a.PopulationStd()[i], 12);
        Assert.Throws<ArgumentException>(() => whole.Add([1, 2, 3, 4]));
    }

    [Fact]
    public void The_scaler_covers_the_widest_columns_the_catalogue_had()
    {
        var stats = new RunningStats(518);
        stats.Add(Enumerable.Range(0, 154).Select(i => (double)i).ToArray());
        Assert.Equal(154, StandardScaler.Fit(stats, "audio").Columns.Count);
        stats.Add(Enumerable.Range(0, 518).Select(i => i * 2.0).ToArray());
        var scaler = StandardScaler.Fit(stats, "mixed");
        Assert.Equal(518, scaler.Columns.Count);
        Assert.Equal("mixed", scaler.Source);
        Assert.Equal(200.0 * 2, scaler.Mean[200]); // only the features.csv track had column 200
        Assert.Equal(1.5 * 100, scaler.Mean[100]);
    }
}
