using System.Globalization;
using System.Text;

namespace MusicRec.Catalog;

/// <summary>How values are spelled in the CSV outputs: invariant culture, round-trippable numbers, JSON lists.</summary>
public static class CsvValues
{
    /// <summary>Shortest text that parses back to the same double ("R"), invariant culture.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string JsonList(IReadOnlyList<int> values)
    {
        var sb = new StringBuilder(values.Count * 4 + 2).Append('[');
        for (var i = 0; i < values.Count; i++) sb.Append(i > 0 ? "," : "").Append(Number(values[i]));
        return sb.Append(']').ToString();
    }

    public static string JsonList(IReadOnlyList<double> values)
    {
        var sb = new StringBuilder(values.Count * 20 + 2).Append('[');
        for (var i = 0; i < values.Count; i++) sb.Append(i > 0 ? "," : "").Append(Number(values[i]));
        return sb.Append(']').ToString();
    }

    /// <summary>Any column value of a track document as CSV text; null is the empty cell.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        int i => Number(i),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Number(d),
        float f => Number(f),
        IReadOnlyList<int> ints => JsonList(ints),
        IReadOnlyList<double> doubles => JsonList(doubles),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
