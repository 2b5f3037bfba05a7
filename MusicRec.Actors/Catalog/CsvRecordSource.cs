using System.Globalization;
using System.Text;
using CsvHelper;

namespace MusicRec.Catalog;

/// <summary>
/// One CSV file read record by record (CsvHelper, streaming, UTF-8 with or without BOM, LF or CRLF, quoted
/// multi-line fields). Remembers for each record the physical line it starts on and whether CsvHelper had
/// to recover from bad quoting, so the caller can reject the row instead of trusting a repaired one.
/// </summary>
internal sealed class CsvRecordSource : IDisposable
{
    private readonly CsvReader _reader;
    private CsvMalformedReason? _malformed;

    private CsvRecordSource(string path)
    {
        Path = path;
        FileName = System.IO.Path.GetFileName(path);
        var options = new CsvReaderOptions
        {
            HasHeader = false,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = m => _malformed ??= m.Reason,
        };
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        _reader = CsvReader.Create(stream, options, leaveOpen: false);
    }

    public static CsvRecordSource Open(string path) => new(path);

    public string Path { get; }
    public string FileName { get; }

    /// <summary>Physical line (1-based) where the current record starts.</summary>
    public long Line => _reader.LineNumber;

    public int FieldCount => _reader.FieldCount;

    /// <summary>Why the current record was malformed (bad quoting), or null when it parsed cleanly.</summary>
    public string? Malformation => _malformed switch
    {
        null => null,
        CsvMalformedReason.StrayQuote => "bad quoting (stray quote inside an unquoted field)",
        CsvMalformedReason.TextAfterClosingQuote => "bad quoting (text after a closing quote)",
        CsvMalformedReason.UnterminatedQuote => "bad quoting (quote never closed: the rest of the file was read into this row)",
        CsvMalformedReason.TrailingEscape => "bad quoting (trailing escape character)",
        var other => $"malformed row ({other})",
    };

    public bool Read()
    {
        _malformed = null;
        return _reader.Read();
    }

    /// <summary>The field as a string; empty when the record is shorter.</summary>
    public string Get(int index) => index >= 0 && index < FieldCount ? _reader.GetString(index) : "";

    public ReadOnlySpan<byte> Utf8(int index) => index >= 0 && index < FieldCount ? _reader.GetSpan(index) : default;

    public bool TryGetInt(int index, out int value) =>
        int.TryParse(Utf8(index), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Reads all fields of the current record (for header rows only).</summary>
    public string[] ReadAllFields()
    {
        var fields = new string[FieldCount];
        for (var i = 0; i < fields.Length; i++) fields[i] = _reader.GetString(i);
        if (fields.Length > 0) fields[0] = fields[0].TrimStart('\uFEFF');
        return fields;
    }

    /// <summary>A short printable excerpt of a field for reject reasons.</summary>
    public string Excerpt(int index)
    {
        var s = Get(index);
        var sb = new StringBuilder(Math.Min(s.Length, 40));
        foreach (var c in s.Length > 40 ? s[..40] : s) sb.Append(char.IsControl(c) ? ' ' : c);
        if (s.Length > 40) sb.Append('…');
        return sb.ToString();
    }

    public void Dispose() => _reader.Dispose();
}
