using System.Globalization;
using System.Text;
using MusicRec.IO;

namespace MusicRec.Stores;

/// <summary>
/// The original design's Spark step: the store, projected to the chosen columns, as ONE CSV file with a header.
/// Streams row by row (memory does not grow with the catalogue), arrays as a quoted JSON list, doubles
/// shortest-round-trip; written under a temporary name and renamed into place only when complete.
/// </summary>
public static class CsvExporter
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the CSV and returns the number of data rows.</summary>
    /// <param name="progress">called every <paramref name="progressEvery"/> rows with the rows written so far.</param>
    /// <exception cref="UnknownColumnException">a column is unknown (message lists the valid ones).</exception>
    /// <exception cref="StoreException">the store is empty or unreachable.</exception>
    public static async Task<long> ExportAsync(
        ITrackStore store, IReadOnlyList<string> columns, string outPath,
        Action<long>? progress = null, int progressEvery = 10_000, CancellationToken ct = default)
    {
        if (columns.Count == 0) throw new ArgumentException("at least one column is needed", nameof(columns));
        TrackDocumentColumns.Validate(columns);

        using var file = new AtomicFile(outPath);
        long rows = 0;
        await using (var writer = new StreamWriter(file.Stream, Utf8NoBom, 1 << 16, leaveOpen: true))
        {
            writer.NewLine = "\n";
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0) writer.Write(',');
                WriteField(writer, columns[i]);
            }
            writer.Write('\n');
            await foreach (var row in store.StreamAsync(columns, ct))
            {
                for (var i = 0; i < columns.Count; i++)
                {
                    if (i > 0) writer.Write(',');
                    WriteValue(writer, row.TryGetValue(columns[i], out var v) ? v : null);
                }
                writer.Write('\n');
                rows++;
                if (progress is not null && rows % progressEvery == 0) progress(rows);
            }
            await writer.FlushAsync(ct);
        }
        // Emptiness is found by streaming, not by counting first (a count scans the whole table in SQLite).
        if (rows == 0)
            throw new StoreException($"the store {store.Describe()} is empty: nothing to export; run 'musicrec etl' first or pass --store");
        file.Commit();
        return rows;
    }

    /// <summary>One CSV field for a value as the stores return it (<see cref="TrackDocumentColumns.Read"/> types).</summary>
    public static string Format(object? value)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        WriteValue(w, value);
        return w.ToString();
    }

    private static void WriteValue(TextWriter w, object? value)
    {
        switch (value)
        {
            case null: break;
            case string s: WriteField(w, s); break;
            case int i: w.Write(i.ToString(CultureInfo.InvariantCulture)); break;
            case long l: w.Write(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: WriteDouble(w, d); break;
            // Arrays are a JSON list, always quoted (it holds commas).
            case IReadOnlyList<double> ds: WriteDoubleList(w, ds); break;
            case IReadOnlyList<int> ints: WriteQuoted(w, StoreJson.Ints(ints)); break;
            case IReadOnlyDictionary<string, double> map: WriteQuoted(w, StoreJson.DoubleMap(map)); break;
            case IFormattable f: WriteField(w, f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: WriteField(w, value.ToString() ?? ""); break;
        }
    }

    // Shortest round-trip text ("R"): the value parses back to the same bits; also a valid JSON number when finite.
    private static void WriteDouble(TextWriter w, double d)
    {
        Span<char> text = stackalloc char[32];
        w.Write(d.TryFormat(text, out var n, "R", CultureInfo.InvariantCulture) ? text[..n] : d.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>A quoted JSON list written straight to the output (the export's hot path: no intermediate strings).</summary>
    private static void WriteDoubleList(TextWriter w, IReadOnlyList<double> values)
    {
        w.Write("\"[");
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0) w.Write(',');
            var v = values[i];
            // Non-finite values are JSON strings, as StoreJson writes them; inside a quoted CSV field their quotes double.
            if (double.IsFinite(v)) WriteDouble(w, v);
            else w.Write(double.IsNaN(v) ? "\"\"NaN\"\"" : v > 0 ? "\"\"Infinity\"\"" : "\"\"-Infinity\"\"");
        }
        w.Write("]\"");
    }

    private static void WriteField(TextWriter w, string s)
    {
        var needsQuotes = s.Length > 0 && (s[0] == ' ' || s[^1] == ' ' || s.AsSpan().IndexOfAny(",\"\r\n") >= 0);
        if (needsQuotes) WriteQuoted(w, s);
        else w.Write(s);
    }

    private static void WriteQuoted(TextWriter w, string s)
    {
        w.Write('"');
        var span = s.AsSpan();
        int q;
        while ((q = span.IndexOf('"')) >= 0)
        {
            w.Write(span[..(q + 1)]);
            w.Write('"');
            span = span[(q + 1)..];
        }
        w.Write(span);
        w.Write('"');
    }
}
