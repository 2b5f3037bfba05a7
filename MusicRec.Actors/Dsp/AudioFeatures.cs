namespace MusicRec.Dsp;

/// <summary>FMA-style statistics of one feature matrix, one entry per feature row (20 for MFCC, 1 otherwise).</summary>
public sealed record FeatureStats(
    double[] Mean, double[] Std, double[] Min, double[] Max, double[] Median, double[] Skew, double[] Kurtosis)
{
    public static readonly string[] StatisticNames = ["mean", "std", "min", "max", "median", "skew", "kurtosis"];

    public double[] this[string statistic] => statistic switch
    {
        "mean" => Mean, "std" => Std, "min" => Min, "max" => Max,
        "median" => Median, "skew" => Skew, "kurtosis" => Kurtosis,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "unknown statistic"),
    };
}

/// <summary>The audio features of one clip (see SPEC.md, <c>features</c> JSON).</summary>
public sealed record AudioFeatures(
    int SampleRate, double DurationSeconds, int Frames,
    FeatureStats Mfcc, FeatureStats SpectralCentroid, FeatureStats Zcr)
{
    /// <summary>
    /// The flat statistic columns in a fixed order, named like FMA's features.csv flattened:
    /// <c>mfcc_mean_01</c> .. <c>mfcc_kurtosis_20</c>, <c>spectral_centroid_mean_01</c> .., <c>zcr_mean_01</c> ...
    /// 7*20 + 7 + 7 = 154 columns. This order is the feature vector used for normalisation and similarity.
    /// </summary>
    public static IReadOnlyList<string> ColumnNames { get; } = BuildColumnNames();

    public double[] ToVector()
    {
        var v = new double[ColumnNames.Count];
        var i = 0;
        foreach (var (_, stats, _) in Groups())
            foreach (var s in FeatureStats.StatisticNames)
                foreach (var x in stats[s]) v[i++] = x;
        return v;
    }

    private IEnumerable<(string Name, FeatureStats Stats, int Rows)> Groups()
    {
        yield return ("mfcc", Mfcc, 20);
        yield return ("spectral_centroid", SpectralCentroid, 1);
        yield return ("zcr", Zcr, 1);
    }

    private static List<string> BuildColumnNames()
    {
        var names = new List<string>();
        foreach (var (name, rows) in new[] { ("mfcc", 20), ("spectral_centroid", 1), ("zcr", 1) })
            foreach (var s in FeatureStats.StatisticNames)
                for (var r = 1; r <= rows; r++) names.Add($"{name}_{s}_{r:00}");
        return names;
    }
}
