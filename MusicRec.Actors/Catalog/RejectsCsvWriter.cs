using MusicRec.IO;

namespace MusicRec.Catalog;

/// <summary>
/// Streams OUT/rejects.csv (SPEC.md): <c>source,line,track_id,reason</c>, one row per rejected row or file;
/// line and track_id empty where unknown. Temporary name until <see cref="Commit"/>. Not thread-safe.
/// </summary>
public sealed class RejectsCsvWriter : IDisposable
{
    public static IReadOnlyList<string> Columns { get; } = ["source", "line", "track_id", "reason"];

    private readonly AtomicCsvFile _file;

    public RejectsCsvWriter(string path) => _file = new AtomicCsvFile(path, Columns);

    public string Path => _file.Path;
    public long Count => _file.Count;

    public void Write(Reject reject) => _file.WriteRow(
    [
        reject.Source,
        reject.Line is { } line ? line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        reject.TrackId is { } id ? CsvValues.Number(id) : "",
        reject.Reason,
    ]);

    public void Commit() => _file.Commit();

    public void Dispose() => _file.Dispose();
}
