using System.Globalization;
using System.Text;

namespace MusicRec.Catalog.Features;

/// <summary>
/// Writes a features.csv in FMA's exact layout (three header rows, the track_id row, one row per track) with
/// values as features.py saves them (<c>float_format='%.10e'</c>: <c>1.4656345844e+00</c>; NaN as an empty cell,
/// as pandas writes it). Rows are given in <see cref="FmaFeatureColumns.VectorOrder"/> and written in file order.
/// </summary>
public sealed class FmaFeaturesCsvWriter : IDisposable
{
    private const string NumberFormat = "0.0000000000e+00";
    private readonly StreamWriter _out;
    private readonly StringBuilder _line = new(12 * 1024);

    public FmaFeaturesCsvWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _out = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        WriteHeader(_out);
    }

    public static void WriteHeader(TextWriter w)
    {
        var columns = FmaFeatureColumns.FileOrder;
        w.Write("feature");
        foreach (var c in columns) { w.Write(','); w.Write(c.Feature); }
        w.Write("\nstatistics");
        foreach (var c in columns) { w.Write(','); w.Write(c.Statistic); }
        w.Write("\nnumber");
        foreach (var c in columns) { w.Write(','); w.Write(c.Number); }
        w.Write("\ntrack_id");
        w.Write(new string(',', columns.Count));
        w.Write('\n');
    }

    /// <summary>Formats one value as features.py does (empty for NaN).</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "" : value.ToString(NumberFormat, CultureInfo.InvariantCulture);

    /// <summary>One track; <paramref name="vector"/> in <see cref="FmaFeatureColumns.VectorOrder"/>.</summary>
    public void Write(int trackId, ReadOnlySpan<double> vector)
    {
        if (vector.Length != FmaFeatureColumns.Count) throw new ArgumentException($"need {FmaFeatureColumns.Count} values", nameof(vector));
        _line.Clear().Append(trackId.ToString(CultureInfo.InvariantCulture));
        var map = FmaFeatureColumns.FileToVector;
        Span<char> cell = stackalloc char[32];
        for (var i = 0; i < map.Count; i++)
        {
            _line.Append(',');
            var v = vector[map[i]];
            if (double.IsNaN(v)) continue;
            v.TryFormat(cell, out var n, NumberFormat, CultureInfo.InvariantCulture);
            _line.Append(cell[..n]);
        }
        _line.Append('\n');
        _out.Write(_line);
    }

    public void Dispose() => _out.Dispose();
}
