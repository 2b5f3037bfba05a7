using System.Text;
using CsvHelper;

namespace MusicRec.IO;

/// <summary>
/// A CSV file written under a temporary name (<see cref="AtomicFile"/>) with its header first, renamed into place on
/// <see cref="Commit"/>. RFC 4180, '\n' line ends on every platform (deterministic bytes), UTF-8 without BOM, no
/// formula escaping (data stays exact). Not thread-safe: one writer per file.
/// </summary>
public sealed class AtomicCsvFile : IDisposable
{
    private readonly AtomicFile _file;
    private readonly CsvWriter _csv;

    public AtomicCsvFile(string path, IReadOnlyList<string> header)
    {
        _file = new AtomicFile(path);
        _csv = Create(_file.Stream);
        _csv.WriteRecord(header.ToArray());
    }

    public string Path => _file.FinalPath;

    /// <summary>Data rows written so far (the header not counted).</summary>
    public long Count { get; private set; }

    public void WriteRow(string[] row)
    {
        _csv.WriteRecord(row);
        Count++;
    }

    public void Commit()
    {
        _csv.Flush();
        _csv.Dispose();
        _file.Commit();
    }

    public void Dispose()
    {
        _csv.Dispose();
        _file.Dispose();
    }

    /// <summary>The writer settings every CSV of the project uses, over a stream the caller owns.</summary>
    internal static CsvWriter Create(Stream stream) => CsvWriter.Create(
        new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true),
        new CsvWriterOptions { NewLine = "\n", Injection = CsvInjection.None, HasHeader = false },
        leaveOpen: false);
}
