using MusicRec.IO;

namespace MusicRec.Catalog;

/// <summary>
/// Streams OUT/rejects.csv (SPEC.md): <c>source,line,track_id,reason</c>, one row per rejected row or file;
/// line and track_id empty where unknown. Temporary name until <see cref="Commit"/>. Not thread-safe.
/// </summary>
public sealed class RejectsCsvWriter : IDisposable
{
    public static IReadOnlyList<string> Columns { get; } = ["source", "line", "track_id", "reason"];

    private readonly AtomicFile _file;
    private readonly CsvHelper.CsvWriter _csv;

    public RejectsCsvWriter(string path)
    {
        _file = new AtomicFile(path);
        _csv = FinalCsvWriter.CreateCsv(_file.Stream);
        _csv.WriteRecord(Columns.ToArray());
    }

    public string Path => _file.FinalPath;
    public long Count { get; private set; }

    public void Write(Reject reject)
    {
        _csv.WriteRecord(
        [
            reject.Source,
            reject.Line is { } line ? line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
            reject.TrackId is { } id ? CsvValues.Number(id) : "",
            reject.Reason,
        ]);
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
}
