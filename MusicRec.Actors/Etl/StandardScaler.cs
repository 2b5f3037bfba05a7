using System.Text.Json;
using System.Text.Json.Serialization;
using MusicRec.Catalog.Features;
using MusicRec.Dsp;
using MusicRec.IO;

namespace MusicRec.Etl;

/// <summary>
/// Z-score standardisation of the feature columns, fitted once over the whole catalogue and saved to
/// <c>OUT/scaler.json</c> so that tracks added later are scaled exactly like the ones already stored. The columns
/// are the 154 computed from audio, or all 518 of FMA's features.csv (<see cref="FmaFeatureColumns.VectorOrder"/>);
/// <see cref="Source"/> says which feature source it was fitted on (audio, features.csv, or mixed when forced).
/// </summary>
public sealed record StandardScaler(
    [property: JsonPropertyName("columns")] IReadOnlyList<string> Columns,
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("mean")] double[] Mean,
    [property: JsonPropertyName("std")] double[] Std)
{
    public const string FileName = "scaler.json";
    public const string MixedSource = "mixed";

    /// <summary>audio, features.csv or mixed; files written before feature sources existed were fitted on audio.</summary>
    [JsonPropertyName("source")]
    public string Source { get; init; } = FeatureSources.Audio;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static StandardScaler Fit(RunningStats stats) => Fit(stats, FeatureSources.Audio);

    /// <summary>Fitted on the leading columns the catalogue had (154 from audio, 518 when features.csv supplied any).</summary>
    public static StandardScaler Fit(RunningStats stats, string source)
    {
        var n = Math.Max(AudioFeatures.ColumnNames.Count, stats.FilledColumns);
        return new StandardScaler(FmaFeatureColumns.VectorOrder.Take(n).ToList(), stats.Count,
            stats.Mean().AsSpan(0, n).ToArray(), stats.PopulationStd().AsSpan(0, n).ToArray()) { Source = source };
    }

    /// <summary>
    /// The divisor for a column: a column with (numerically) zero variance is divided by 1, so every track gets
    /// x - mean = 0 there instead of 0/0 = NaN (scikit-learn does the same).
    /// </summary>
    public double Scale(int column)
    {
        var s = Std[column];
        return s > 1e-12 * Math.Max(1.0, Math.Abs(Mean[column])) ? s : 1.0;
    }

    public double[] Transform(ReadOnlySpan<double> raw)
    {
        var z = new double[raw.Length];
        for (var i = 0; i < raw.Length; i++) z[i] = (raw[i] - Mean[i]) / Scale(i);
        return z;
    }

    public void Save(string path)
    {
        using var file = new AtomicFile(path);
        JsonSerializer.Serialize(file.Stream, this, Json);
        file.Stream.WriteByte((byte)'\n');
        file.Commit();
    }

    /// <exception cref="InvalidDataException">the file is not a scaler for the current feature columns.</exception>
    public static StandardScaler Load(string path)
    {
        StandardScaler? s;
        try
        {
            using var stream = File.OpenRead(path);
            s = JsonSerializer.Deserialize<StandardScaler>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid scaler file ({e.Message}); delete it or run with --refit", e);
        }
        if (s is null || s.Columns is null || s.Mean is null || s.Std is null)
            throw new InvalidDataException($"{path} is not a valid scaler file; delete it or run with --refit");
        var n = s.Columns.Count;
        if ((n != AudioFeatures.ColumnNames.Count && n != FmaFeatureColumns.Count) || s.Mean.Length != n || s.Std.Length != n ||
            !s.Columns.SequenceEqual(FmaFeatureColumns.VectorOrder.Take(n)))
            throw new InvalidDataException($"{path} was fitted for other feature columns; run with --refit");
        return s;
    }
}
