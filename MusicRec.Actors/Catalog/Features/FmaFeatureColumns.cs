using MusicRec.Dsp;

namespace MusicRec.Catalog.Features;

/// <summary>One column of FMA's features.csv: its three header cells (feature, statistics, number).</summary>
public readonly record struct FmaColumn(string Feature, string Statistic, string Number)
{
    /// <summary>The flat name used in final.csv and the stores: <c>mfcc_mean_01</c>, as <see cref="AudioFeatures.ColumnNames"/>.</summary>
    public string FlatName => $"{Feature}_{Statistic}_{Number}";
}

/// <summary>
/// The 518 columns of FMA's features.csv (mdeff/fma features.py): 74 coefficient series times 7 statistics,
/// in the file's order, which is pandas' sort of the (feature, statistics, number) MultiIndex, i.e. the tuples
/// compared string by string. Our feature vector puts the 154 columns we compute from audio first
/// (<see cref="AudioFeatures.ColumnNames"/>, unchanged), then the other 364 in file order, so a vector from
/// audio is a prefix of one from features.csv.
/// </summary>
public static class FmaFeatureColumns
{
    /// <summary>The series and their sizes, as features.py lists them.</summary>
    public static readonly IReadOnlyList<(string Feature, int Size)> Series =
    [
        ("chroma_stft", 12), ("chroma_cqt", 12), ("chroma_cens", 12), ("tonnetz", 6), ("mfcc", 20), ("rmse", 1),
        ("zcr", 1), ("spectral_centroid", 1), ("spectral_bandwidth", 1), ("spectral_contrast", 7), ("spectral_rolloff", 1),
    ];

    /// <summary>The statistics ("moments"), as features.py lists them.</summary>
    public static readonly IReadOnlyList<string> Statistics = ["mean", "std", "skew", "kurtosis", "median", "min", "max"];

    /// <summary>Every column in features.csv's order (518).</summary>
    public static IReadOnlyList<FmaColumn> FileOrder { get; } = BuildFileOrder();

    /// <summary>Every flat column name in feature-vector order: the 154 computed from audio, then the other 364.</summary>
    public static IReadOnlyList<string> VectorOrder { get; } = BuildVectorOrder();

    // Declared before FileToVector: static fields initialise in text order and BuildFileToVector reads this one.
    private static readonly Dictionary<string, int> VectorIndexes =
        VectorOrder.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);

    /// <summary>The 364 columns only features.csv has (not computed from audio), in file order.</summary>
    public static IReadOnlyList<string> CsvOnly { get; } = VectorOrder.Skip(AudioFeatures.ColumnNames.Count).ToList();

    public static int Count => FileOrder.Count;

    /// <summary>For file column i (after track_id), its index in <see cref="VectorOrder"/>.</summary>
    public static IReadOnlyList<int> FileToVector { get; } = BuildFileToVector();

    /// <summary>Index of a flat column name in <see cref="VectorOrder"/>, or -1.</summary>
    public static int VectorIndex(string flatName) => VectorIndexes.GetValueOrDefault(flatName, -1);

    private static List<FmaColumn> BuildFileOrder()
    {
        var columns = new List<FmaColumn>(518);
        foreach (var (feature, size) in Series)
            foreach (var statistic in Statistics)
                for (var i = 1; i <= size; i++)
                    columns.Add(new FmaColumn(feature, statistic, i.ToString("00", System.Globalization.CultureInfo.InvariantCulture)));
        // pandas sorts the tuples level by level; Python compares str by code point, which is ordinal.
        columns.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Feature, b.Feature);
            if (c == 0) c = string.CompareOrdinal(a.Statistic, b.Statistic);
            return c != 0 ? c : string.CompareOrdinal(a.Number, b.Number);
        });
        return columns;
    }

    private static List<string> BuildVectorOrder()
    {
        var computed = AudioFeatures.ColumnNames;
        var known = new HashSet<string>(computed, StringComparer.Ordinal);
        var all = FileOrder.Select(c => c.FlatName).ToHashSet(StringComparer.Ordinal);
        var stray = computed.Where(c => !all.Contains(c)).ToList();
        if (stray.Count > 0) throw new InvalidOperationException($"audio feature columns not in FMA's layout: {string.Join(", ", stray)}");
        return [.. computed, .. FileOrder.Select(c => c.FlatName).Where(n => !known.Contains(n))];
    }

    private static int[] BuildFileToVector()
    {
        return FileOrder.Select(c => VectorIndexes[c.FlatName]).ToArray();
    }
}
