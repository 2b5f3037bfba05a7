using System.Text.Json;
using System.Text.Json.Serialization;
using MusicRec.Dsp;
using MusicRec.IO;

namespace MusicRec.Etl;

/// <summary>
/// Z-score standardisation of the 154 feature columns, fitted once over the whole catalogue and saved to
/// <c>OUT/scaler.json</c> so that tracks added later are scaled exactly like the ones already stored.
/// </summary>
public sealed record StandardScaler(
    [property: JsonPropertyName("columns")] IReadOnlyList<string> Columns,
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("mean")] double[] Mean,
    [property: JsonPropertyName("std")] double[] Std)
{
    public const string FileName = "scaler.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static StandardScaler Fit(RunningStats stats) =>
        new(AudioFeatures.ColumnNames, stats.Count, stats.Mean(), stats.PopulationStd());

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
        var n = AudioFeatures.ColumnNames.Count;
        if (s.Columns.Count != n || s.Mean.Length != n || s.Std.Length != n ||
            !s.Columns.SequenceEqual(AudioFeatures.ColumnNames))
            throw new InvalidDataException($"{path} was fitted for other feature columns; run with --refit");
        return s;
    }
}
